package coldstore

import (
	"bytes"
	"encoding/json"
)

// bulkBody renders documents as a _bulk request body (NDJSON): an action
// line naming index and _id, then the document, each ending in "\n".
func bulkBody(op string, docs []document) []byte {
	size := 0
	for _, d := range docs {
		size += len(d.Source) + len(d.Index) + len(d.DocID) + 40
	}
	var b bytes.Buffer
	b.Grow(size)
	for _, d := range docs {
		b.WriteString(`{"`)
		b.WriteString(op)
		b.WriteString(`":{"_index":`)
		writeJSONString(&b, d.Index)
		b.WriteString(`,"_id":`)
		writeJSONString(&b, d.DocID)
		b.WriteString("}}\n")
		b.Write(d.Source)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// writeJSONString writes s as a JSON string. Index names and IDs here are
// plain ASCII, written as they are; encoding/json covers the rest.
func writeJSONString(b *bytes.Buffer, s string) {
	if !plainString(s) {
		enc, _ := json.Marshal(s) // a string always encodes
		b.Write(enc)
		return
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}
