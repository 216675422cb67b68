/* writerdemo: writes Zeek-style JSON records through cloudtap's writer C
 * API from several threads at once, as Zeek's writer threads do.
 *
 *   writerdemo REDIS_URL PATH THREADS RECORDS_PER_THREAD
 *
 * Each thread writes {"uid":"t<thread>-<n>","thread":T,"n":N} in batches
 * of 50 to one shared log handle, then the program closes the log and the
 * writer and prints: stats written buffered dropped reconnects
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "libcloudtap.h"

enum { BATCH = 50 };

static uintptr_t log_handle;
static long per_thread;

static void* writer_thread(void* arg) {
	long t = (long)arg;
	char bufs[BATCH][96];
	cloudtap_record recs[BATCH];
	for (long n = 0; n < per_thread;) {
		int k = 0;
		for (; k < BATCH && n < per_thread; k++, n++) {
			int len = snprintf(bufs[k], sizeof bufs[k], "{\"uid\":\"t%ld-%ld\",\"thread\":%ld,\"n\":%ld}", t, n, t, n);
			recs[k].data = bufs[k];
			recs[k].len = (uint32_t)len;
		}
		char* err = NULL;
		if (cloudtap_log_write(log_handle, recs, (uint32_t)k, &err) != 0) {
			fprintf(stderr, "write: %s\n", err);
			cloudtap_free(err);
			exit(1);
		}
	}
	return NULL;
}

int main(int argc, char** argv) {
	if (argc != 5) {
		fprintf(stderr, "usage: writerdemo REDIS_URL PATH THREADS RECORDS_PER_THREAD\n");
		return 2;
	}
	char* err = NULL;
	uintptr_t w = cloudtap_writer_open(argv[1], &err);
	if (!w) {
		fprintf(stderr, "writer_open: %s\n", err);
		cloudtap_free(err);
		return 1;
	}
	cloudtap_field schema[] = {{"uid", "string"}, {"thread", "count"}, {"n", "count"}};
	log_handle = cloudtap_log_open(w, argv[2], schema, 3, &err);
	if (!log_handle) {
		fprintf(stderr, "log_open: %s\n", err);
		cloudtap_free(err);
		return 1;
	}
	long threads = atol(argv[3]);
	per_thread = atol(argv[4]);
	pthread_t tids[64];
	for (long t = 0; t < threads && t < 64; t++)
		pthread_create(&tids[t], NULL, writer_thread, (void*)t);
	for (long t = 0; t < threads && t < 64; t++)
		pthread_join(tids[t], NULL);
	if (cloudtap_log_flush(log_handle, 10000, &err) != 0) {
		fprintf(stderr, "flush: %s\n", err);
		cloudtap_free(err);
		return 1;
	}
	cloudtap_log_stats st;
	cloudtap_log_get_stats(log_handle, &st);
	printf("stats %llu %llu %llu %llu\n", (unsigned long long)st.written, (unsigned long long)st.buffered,
	       (unsigned long long)st.dropped, (unsigned long long)st.reconnects);
	if (cloudtap_log_close(log_handle, 10000, &err) != 0 || cloudtap_writer_close(w, 10000, &err) != 0) {
		fprintf(stderr, "close: %s\n", err);
		cloudtap_free(err);
		return 1;
	}
	return 0;
}
