/* Types shared by cloudtap's Go library and its C callers (the Zeek plugin).
 * The generated libcloudtap.h includes this file; include that one. */
#ifndef CLOUDTAP_TYPES_H
#define CLOUDTAP_TYPES_H

#include <stdint.h>

/* Results of cloudtap_src_next_batch besides a packet count. */
#define CLOUDTAP_EOF   (-1) /* a file source has ended */
#define CLOUDTAP_ERROR (-2) /* see *err */

/* Tunnel formats (cloudtap_packet.encap). */
enum cloudtap_encap {
	CLOUDTAP_ENCAP_NONE = 0,
	CLOUDTAP_ENCAP_VXLAN = 1,
	CLOUDTAP_ENCAP_GENEVE = 2,
	CLOUDTAP_ENCAP_GRE = 3,
	CLOUDTAP_ENCAP_ERSPAN1 = 4,
	CLOUDTAP_ENCAP_ERSPAN2 = 5,
	CLOUDTAP_ENCAP_ERSPAN3 = 6,
};

/* One decapsulated packet; its bytes are data[offset, offset+caplen) of
 * the batch's data buffer. */
typedef struct cloudtap_packet {
	int64_t ts_ns;       /* receive time, ns since the Unix epoch */
	uint32_t caplen;     /* bytes present */
	uint32_t len;        /* bytes on the wire */
	uint32_t offset;     /* into cloudtap_batch.data */
	uint16_t link_type;  /* pcap LINKTYPE_: 1 Ethernet, 101 raw IPv4/IPv6 */
	uint8_t encap;       /* enum cloudtap_encap of the innermost tunnel */
	uint8_t has_session;
	uint32_t session;    /* VNI, ERSPAN session id or GRE key */
} cloudtap_packet;

/* Memory the caller owns and lends to cloudtap_src_next_batch. A data
 * buffer of max_packets * snaplen (16384 by default) bytes lets every
 * batch fill; a smaller one truncates frames that do not fit. */
typedef struct cloudtap_batch {
	cloudtap_packet *packets;
	uint32_t max_packets;
	uint8_t *data;
	uint32_t data_size;
} cloudtap_batch;

/* Room for the counts of malformed packets by reason
 * (cloudtap_src_stats.by_reason, named by cloudtap_reason_name). */
#define CLOUDTAP_MAX_REASONS 64

typedef struct cloudtap_src_stats {
	uint64_t received;      /* tunnel packets read */
	uint64_t bytes;         /* their bytes */
	uint64_t delivered;     /* inner packets handed out */
	uint64_t refused;       /* sources outside the allowlist */
	uint64_t other_session; /* sessions not asked for */
	uint64_t other_worker;  /* flows of other workers */
	uint64_t malformed;     /* refused by the decoder */
	uint64_t kernel_drops;  /* dropped by the kernel: buffer full */
	uint64_t duplicates;    /* second copies dropped by dedup= */
	uint64_t reassembled;   /* fragments merged into a later tunnel packet */
	uint64_t fragments_held; /* fragments waiting for the rest of theirs */
	uint64_t queued;        /* decoded, waiting in the receiver ring (ring=) */
	uint32_t nreasons;      /* by_reason[0, nreasons) are set; 0 is "none" */
	uint64_t by_reason[CLOUDTAP_MAX_REASONS]; /* malformed, by reason */
} cloudtap_src_stats;

/* ---- the log writer ---- */

/* One field of a log stream's schema: its name and Zeek type string
 * ("addr", "set[string]", ...). */
typedef struct cloudtap_field {
	const char *name;
	const char *type;
} cloudtap_field;

/* One record, already rendered as Zeek JSON (one line, no newline). The
 * bytes are copied before cloudtap_log_write returns. */
typedef struct cloudtap_record {
	const char *data;
	uint32_t len;
} cloudtap_record;

typedef struct cloudtap_log_stats {
	uint64_t written;    /* acknowledged by Redis */
	uint64_t buffered;   /* waiting in memory (Redis slow or down) */
	uint64_t dropped;    /* did not fit the bounded buffer: lost, and reported */
	uint64_t reconnects;
} cloudtap_log_stats;

/* One key=value laid over a writer's configuration string
 * (cloudtap_writer_open_with): a Zeek filter's $config. */
typedef struct cloudtap_option {
	const char *key;
	const char *value;
} cloudtap_option;

/* The writer's configuration string (cloudtap_writer_open): a Redis URL,
 * white-space-separated key=value pairs, or both, e.g.
 *   "redis://:secret@10.0.0.5:6379/0?maxlen=1000000"
 *   "redis=rediss://10.0.0.5:6380/0 mode=list tls-ca-file=/etc/ca.pem"
 *   "redis://10.0.0.5/0 elasticsearch=https://es:9200 close-timeout=10s"
 * Keys: the writer's options (cloudtap options writer): redis,
 * elasticsearch, ship, close-timeout, every hot-tier option (prefix,
 * mode, maxlen, maxage, ...) and every cold-tier option as es-<option>.
 * The grammar is in gosrc/internal/logwriter/doc.go. Flush and close timeouts of 0 or less mean the
 * configured close-timeout (5 s by default): no call waits indefinitely. */

/* ---- the input reader (Input::READER_REDIS) ---- */

/* Input modes, as Zeek's Input::Mode. */
enum cloudtap_input_mode {
	CLOUDTAP_INPUT_MANUAL = 0,
	CLOUDTAP_INPUT_REREAD = 1,
	CLOUDTAP_INPUT_STREAM = 2,
};

/* What a row does (cloudtap_input_row.op). */
enum cloudtap_input_op {
	CLOUDTAP_ROW_PUT = 1,    /* STREAM: a row added */
	CLOUDTAP_ROW_DELETE = 2, /* STREAM: a row removed */
	CLOUDTAP_ROW_READ = 3,   /* a row of a full read (MANUAL, REREAD) */
	CLOUDTAP_ROW_END = 4,    /* a full read is complete */
};

/* One row: ncols columns in Zeek's ASCII form (set separator ",", unset
 * "-", empty "(empty)"), each NUL-terminated, back to back in data, which
 * the caller frees with cloudtap_free. */
typedef struct cloudtap_input_row {
	int op;
	uint32_t ncols;
	char *data;
} cloudtap_input_row;

#endif
