package coldstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// bulkPath asks _bulk to answer only what parseBulkReply reads: for a
// batch of a thousand, the full reply is some 200 KB of item metadata the
// engine serializes and the shipper parses, about 5 us per document, for
// each item's status and error alone.
const bulkPath = "/_bulk?filter_path=errors,error,items.*.status,items.*.error"

// bulkSender sends documents with the _bulk API and says what became of
// each one.
type bulkSender struct {
	es *esClient
	op string // "index" or "create"
	// onRequest is told the number of documents of every request sent
	// (statistics).
	onRequest func(docs int)
	// onReply is told how long each request took to answer (statistics).
	onReply func(time.Duration)
}

// send returns one result per document, in order. A request the server
// refuses as a whole for a reason that may lie in one document (400, 413,
// or a 200 reply that does not account for every document) is split in
// halves and each half sent again, down to single documents, so that one
// bad record is found and dead-lettered and the rest go through. Every
// document keeps its _id, so what the first try did store is overwritten,
// not doubled.
func (b *bulkSender) send(ctx context.Context, docs []document) []result {
	if len(docs) == 0 {
		return nil
	}
	if b.onRequest != nil {
		b.onRequest(len(docs))
	}
	sent := time.Now()
	rep, err := b.es.do(ctx, http.MethodPost, bulkPath, "application/x-ndjson", bulkBody(b.op, docs))
	if b.onReply != nil && err == nil {
		b.onReply(time.Since(sent))
	}
	if err != nil {
		return all(len(docs), result{Outcome: retry, Reason: "bulk request failed: " + err.Error()})
	}
	switch {
	case rep.Status == http.StatusOK:
		res, err := parseBulkReply(rep.Body, len(docs), b.op)
		if err == nil {
			return res
		}
		if len(docs) > 1 {
			return b.split(ctx, docs)
		}
		var inc errInconsistentReply
		if errors.As(err, &inc) && inc.requestError != "" {
			// The server failed the request of this one document, with a
			// reason: it is this document's.
			return []result{{Outcome: dead, Status: rep.Status, Reason: inc.requestError}}
		}
		return []result{{Outcome: retry, Status: rep.Status, Reason: err.Error()}}
	case rep.Status == http.StatusBadRequest || rep.Status == http.StatusRequestEntityTooLarge:
		if len(docs) > 1 {
			return b.split(ctx, docs)
		}
		return []result{{Outcome: dead, Status: rep.Status, Reason: requestFailure(rep)}}
	default:
		return all(len(docs), result{Outcome: retry, Status: rep.Status, Reason: requestFailure(rep)})
	}
}

func (b *bulkSender) split(ctx context.Context, docs []document) []result {
	half := len(docs) / 2
	return append(b.send(ctx, docs[:half]), b.send(ctx, docs[half:])...)
}

func all(n int, r result) []result {
	out := make([]result, n)
	for i := range out {
		out[i] = r
	}
	return out
}

// requestFailure describes a refused request, with a hint for the
// statuses that mean the configuration is wrong.
func requestFailure(rep esReply) string {
	hint := ""
	switch rep.Status {
	case http.StatusUnauthorized:
		hint = " (Elasticsearch refused the credentials)"
	case http.StatusForbidden:
		hint = " (the user or API key may not write these indices)"
	case http.StatusNotFound:
		hint = " (no Elasticsearch API at this URL: check its path)"
	}
	return fmt.Sprintf("bulk request answered %d%s: %s", rep.Status, hint, snippet(rep.Body))
}
