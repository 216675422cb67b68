package coldstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A reply as Elasticsearch 8 writes it for a bulk with one document of
// each kind of outcome.
const mixedBulkReply = `{"took":3,"errors":true,"items":[
 {"index":{"_index":"zeek-conn-2023.11.14","_id":"a","_version":1,"result":"created","status":201}},
 {"index":{"_index":"zeek-conn-2023.11.14","_id":"b","status":400,"error":{"type":"document_parsing_exception",
   "reason":"[1:40] failed to parse field [orig_bytes] of type [long]","caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"lots\""}}}},
 {"index":{"_index":"zeek-conn-2023.11.14","_id":"c","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}},
 {"index":{"_index":"zeek-conn-2023.11.14","_id":"d","status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}},
 {"index":{"_index":"zeek-conn-2023.11.14","_id":"e","_version":2,"result":"updated","status":200}}
]}`

func TestBulkReplyItemsAreSplitIntoShippedRetryDead(t *testing.T) {
	res, err := parseBulkReply([]byte(mixedBulkReply), 5, "index")
	require.NoError(t, err)
	got := make([]outcome, len(res))
	for i, r := range res {
		got[i] = r.Outcome
	}
	assert.Equal(t, []outcome{shipped, dead, retry, retry, shipped}, got)
	assert.Equal(t, `document_parsing_exception: [1:40] failed to parse field [orig_bytes] of type [long] `+
		`(caused by illegal_argument_exception: For input string: "lots")`, res[1].Reason)
	assert.Equal(t, 429, res[2].Status)
}

func TestBulkReplyConflictOnCreateMeansAlreadyThere(t *testing.T) {
	reply := `{"errors":true,"items":[{"create":{"_index":".ds-logs-zeek.conn-default-2024.05.01-000001","_id":"a","status":409,
	  "error":{"type":"version_conflict_engine_exception","reason":"[a]: version conflict, document already exists"}}}]}`
	res, err := parseBulkReply([]byte(reply), 1, "create")
	require.NoError(t, err)
	assert.Equal(t, result{Outcome: shipped, Status: 409, AlreadyThere: true}, res[0])

	res, err = parseBulkReply([]byte(reply), 1, "index")
	require.NoError(t, err)
	assert.Equal(t, dead, res[0].Outcome, "a version conflict on op_type index repeats forever")
}

func TestBulkReplyThatDoesNotAccountForEveryDocumentIsNotTrusted(t *testing.T) {
	for name, reply := range map[string]string{
		"too few items":    `{"errors":false,"items":[{"index":{"status":201}}]}`,
		"request error":    `{"errors":false,"error":"field [x] can't convert","items":[{"index":{"status":200}},{"index":{"status":200}}]}`,
		"not JSON":         `<html>bad gateway</html>`,
		"two ops per item": `{"items":[{"index":{"status":201},"create":{"status":201}},{"index":{"status":201}}]}`,
	} {
		_, err := parseBulkReply([]byte(reply), 2, "index")
		var inc errInconsistentReply
		assert.ErrorAs(t, err, &inc, name)
	}
}
