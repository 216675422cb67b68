package coldstore

import (
	"encoding/json"
	"fmt"
	"strings"
)

// outcome is what became of one document in a bulk request.
type outcome int

const (
	// shipped: Elasticsearch has the document (created, updated, or, for
	// op_type create, already there).
	shipped outcome = iota
	// retry: a transient refusal (429, 5xx, timeout, no connection, a
	// cluster or permission state that someone may fix); send it again.
	retry
	// dead: the document itself is refused (mapping conflict, bad value,
	// too large): sending it again cannot help.
	dead
)

// result is the outcome of one document, with the reason when not shipped.
type result struct {
	Outcome outcome
	Status  int    // HTTP status of the item (or of the request), 0 for none
	Reason  string // why not shipped
	// AlreadyThere: op_type create answered 409 (a re-delivery).
	AlreadyThere bool
}

// itemReply is one entry of a bulk reply's "items": an object with one
// key, the operation. Fields rather than a map: a map cost five
// allocations an item, for a thousand items a reply.
type itemReply struct {
	Index  *itemResult `json:"index"`
	Create *itemResult `json:"create"`
	Update *itemResult `json:"update"`
	Delete *itemResult `json:"delete"`
}

type itemResult struct {
	Status int             `json:"status"`
	Error  json.RawMessage `json:"error"`
}

// only is the item's one operation's result, or nil when it has none or
// several.
func (it *itemReply) only() (*itemResult, int) {
	var r *itemResult
	n := 0
	for _, op := range []*itemResult{it.Index, it.Create, it.Update, it.Delete} {
		if op != nil {
			r, n = op, n+1
		}
	}
	if n != 1 {
		return nil, n
	}
	return r, 1
}

// bulkReply is the part of a _bulk reply the shipper reads.
type bulkReply struct {
	Errors bool            `json:"errors"`
	Items  []itemReply     `json:"items"`
	Error  json.RawMessage `json:"error"` // a whole-request failure
}

// errInconsistentReply marks a 200 reply that does not account for every
// document sent, one item each, in order.
type errInconsistentReply struct {
	reason       string
	requestError string // the reply's request-level "error", if it has one
}

func (e errInconsistentReply) Error() string { return "inconsistent bulk reply: " + e.reason }

// parseBulkReply reads a 200 reply to a bulk request of n documents sent
// with op. A reply that does not hold exactly n items, or that carries a
// request-level "error" beside its items, is an errInconsistentReply: none
// of its items can be trusted, since an item may have been answered for
// before the error stopped the request.
func parseBulkReply(body []byte, n int, op string) ([]result, error) {
	var r bulkReply
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, errInconsistentReply{reason: fmt.Sprintf("not JSON (%v): %s", err, snippet(body))}
	}
	if len(r.Error) > 0 && string(r.Error) != "null" {
		text := errorText(r.Error)
		return nil, errInconsistentReply{reason: "request error beside the items: " + text, requestError: text}
	}
	if len(r.Items) != n {
		return nil, errInconsistentReply{reason: fmt.Sprintf("%d items for %d documents", len(r.Items), n)}
	}
	results := make([]result, n)
	for i := range r.Items {
		v, ops := r.Items[i].only()
		if v == nil {
			return nil, errInconsistentReply{reason: fmt.Sprintf("item %d has %d operations", i, ops)}
		}
		results[i] = classifyItem(v.Status, v.Error, op)
	}
	return results, nil
}

// classifyItem judges one item by its status, as Elasticsearch documents
// them for _bulk.
func classifyItem(status int, errBody json.RawMessage, op string) result {
	reason := ""
	if len(errBody) > 0 && string(errBody) != "null" {
		reason = errorText(errBody)
	}
	switch {
	case status >= 200 && status < 300 && reason == "":
		return result{Outcome: shipped, Status: status}
	case status == 409 && op == "create":
		return result{Outcome: shipped, Status: status, AlreadyThere: true}
	case permanentStatus(status):
		return result{Outcome: dead, Status: status, Reason: reason}
	default:
		// The status leads: "status 429: rejected_execution_exception: …"
		// says busy at a glance.
		if reason == "" {
			reason = fmt.Sprintf("status %d", status)
		} else {
			reason = fmt.Sprintf("status %d: %s", status, reason)
		}
		return result{Outcome: retry, Status: status, Reason: reason}
	}
}

// permanentStatus: the request (or document) itself is wrong. 400 covers
// mapping conflicts and unparsable values; 409 on op_type index is a
// version conflict that repeats; 413 a document over the size limit.
// Everything else, 401/403/404 included, describes the cluster or the
// shipper's rights, which can change: the records wait in Redis.
func permanentStatus(status int) bool {
	switch status {
	case 400, 409, 413, 422:
		return true
	}
	return false
}

// retryableStatus says whether a whole request that failed with status
// should be sent again as it is.
func retryableStatus(status int) bool {
	return status == 408 || status == 429 || status >= 500
}

// errorText renders an Elasticsearch error object ({"type","reason",
// "caused_by"}) or a plain string as one line.
func errorText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var e struct {
		Type     string          `json:"type"`
		Reason   string          `json:"reason"`
		CausedBy json.RawMessage `json:"caused_by"`
	}
	if json.Unmarshal(raw, &e) != nil || e.Type == "" && e.Reason == "" {
		return snippet(raw)
	}
	var b strings.Builder
	b.WriteString(e.Type)
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if len(e.CausedBy) > 0 && string(e.CausedBy) != "null" {
		b.WriteString(" (caused by ")
		b.WriteString(errorText(e.CausedBy))
		b.WriteString(")")
	}
	return b.String()
}
