/* writerdemo: writes Zeek-style JSON records through cloudtap's writer C
 * API from several threads at once, as Zeek's writer threads do.
 *
 *   writerdemo CONFIG PATH THREADS RECORDS_PER_THREAD [keep-going] [queued]
 *
 * CONFIG is the writer configuration (a Redis URL and/or key=value pairs).
 * Each thread writes {"uid":"t<thread>-<n>","thread":T,"n":N} in batches
 * of 50 to one shared log handle. Then the program flushes and prints the
 * log's counters, closes the log and prints the writer's counters, and
 * closes the writer:
 *
 *   log written buffered dropped reconnects
 *   writer written buffered dropped reconnects
 *
 * Flush and close wait as long as CONFIG's close-timeout. Errors go to
 * stderr as "<call>: <error>"; they end the program with status 1 unless
 * keep-going is given, which carries on (to show drops being reported).
 * With queued, the writer is opened with cloudtap_writer_open_queued and
 * its messages are printed to stderr as "message: <text>" after the flush
 * and after the log's close, as the Zeek plugin puts them in reporter.log.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libcloudtap.h"

enum { BATCH = 50, MAX_THREADS = 64 };

static uintptr_t log_handle;
static long per_thread;
static int keep_going;
static int queued;

/* report prints a failed call's error and frees it; it exits unless
 * keep-going was asked for. */
static void report(const char* call, char* err) {
	fprintf(stderr, "%s: %s\n", call, err ? err : "(no error text)");
	cloudtap_free(err);
	if (!keep_going)
		exit(1);
}

static void print_stats(const char* what, const cloudtap_log_stats* st) {
	printf("%s %llu %llu %llu %llu\n", what, (unsigned long long)st->written, (unsigned long long)st->buffered,
	       (unsigned long long)st->dropped, (unsigned long long)st->reconnects);
}

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
		if (cloudtap_log_write(log_handle, recs, (uint32_t)k, &err) != 0)
			report("write", err);
	}
	return NULL;
}

/* print_messages prints and frees the messages waiting in writer w. */
static void print_messages(uintptr_t w) {
	char* msg;
	while (queued && (msg = cloudtap_writer_next_message(w)) != NULL) {
		fprintf(stderr, "message: %s\n", msg);
		cloudtap_free(msg);
	}
}

int main(int argc, char** argv) {
	int usage = argc < 5;
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "keep-going") == 0)
			keep_going = 1;
		else if (strcmp(argv[i], "queued") == 0)
			queued = 1;
		else
			usage = 1;
	}
	if (usage) {
		fprintf(stderr, "usage: writerdemo CONFIG PATH THREADS RECORDS_PER_THREAD [keep-going] [queued]\n");
		return 2;
	}
	long threads = atol(argv[3]);
	per_thread = atol(argv[4]);
	if (threads < 1 || threads > MAX_THREADS || per_thread < 0) {
		fprintf(stderr, "writerdemo: THREADS must be 1..%d and RECORDS_PER_THREAD not negative\n", MAX_THREADS);
		return 2;
	}

	char* err = NULL;
	uintptr_t w = queued ? cloudtap_writer_open_queued(argv[1], &err) : cloudtap_writer_open(argv[1], &err);
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

	pthread_t tids[MAX_THREADS];
	for (long t = 0; t < threads; t++)
		pthread_create(&tids[t], NULL, writer_thread, (void*)t);
	for (long t = 0; t < threads; t++)
		pthread_join(tids[t], NULL);

	cloudtap_log_stats st;
	if (cloudtap_log_flush(log_handle, 0, &err) != 0)
		report("flush", err);
	print_messages(w);
	cloudtap_log_get_stats(log_handle, &st);
	print_stats("log", &st);
	if (cloudtap_log_close(log_handle, 0, &err) != 0)
		report("log_close", err);
	print_messages(w);
	cloudtap_writer_get_stats(w, &st);
	print_stats("writer", &st);
	if (cloudtap_writer_close(w, 0, &err) != 0)
		report("writer_close", err);
	return 0;
}
