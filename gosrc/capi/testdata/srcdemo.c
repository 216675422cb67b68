/* srcdemo: reads packets through cloudtap's C API exactly as the Zeek plugin
 * does (open, poll the fd, pull batches into C memory, stats, close) and
 * prints one line per packet for the Go test to check.
 *
 *   srcdemo SPEC MAX_PACKETS TIMEOUT_MS
 *
 * Line per packet: ts_ns caplen len link encap has_session session fnv1a64
 * Last line:       stats received delivered refused malformed kernel_drops
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "libcloudtap.h"

enum { BATCH = 32, SNAP = 16384 };

static uint64_t fnv1a(const uint8_t *p, uint32_t n) {
	uint64_t h = 14695981039346656037ULL;
	for (uint32_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static long now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
	if (argc != 4) {
		fprintf(stderr, "usage: srcdemo SPEC MAX_PACKETS TIMEOUT_MS\n");
		return 2;
	}
	long want = atol(argv[2]), deadline = now_ms() + atol(argv[3]);
	char *err = NULL;
	uintptr_t src = cloudtap_src_open(argv[1], &err);
	if (!src) {
		fprintf(stderr, "open: %s\n", err);
		cloudtap_free(err);
		return 1;
	}
	cloudtap_packet *pkts = calloc(BATCH, sizeof *pkts);
	uint8_t *data = malloc(BATCH * SNAP);
	cloudtap_batch b = {pkts, BATCH, data, BATCH * SNAP};
	int fd = cloudtap_src_fd(src);
	printf("ready live=%d fd=%d\n", cloudtap_src_is_live(src), fd >= 0);
	fflush(stdout);
	long got = 0;
	while (got < want && now_ms() < deadline) {
		if (fd >= 0) {
			struct pollfd p = {fd, POLLIN, 0};
			if (poll(&p, 1, 50) == 0)
				continue;
		}
		int n = cloudtap_src_next_batch(src, &b, &err);
		if (n == CLOUDTAP_EOF)
			break;
		if (n == CLOUDTAP_ERROR) {
			fprintf(stderr, "next_batch: %s\n", err);
			cloudtap_free(err);
			return 1;
		}
		for (int i = 0; i < n; i++, got++) {
			cloudtap_packet *p = &pkts[i];
			printf("%lld %u %u %u %u %u %u %llu\n", (long long)p->ts_ns, p->caplen, p->len,
			       p->link_type, p->encap, p->has_session, p->session,
			       (unsigned long long)fnv1a(data + p->offset, p->caplen));
		}
	}
	cloudtap_src_stats st;
	cloudtap_src_get_stats(src, &st);
	printf("stats %llu %llu %llu %llu %llu\n", (unsigned long long)st.received,
	       (unsigned long long)st.delivered, (unsigned long long)st.refused,
	       (unsigned long long)st.malformed, (unsigned long long)st.kernel_drops);
	cloudtap_src_close(src);
	free(pkts);
	free(data);
	return 0;
}
