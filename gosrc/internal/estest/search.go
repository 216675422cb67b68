package estest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Hit is one document found by Search.
type Hit struct {
	Index  string         `json:"_index"`
	ID     string         `json:"_id"`
	Source map[string]any `json:"_source"`
}

// SearchResult is what Search found: the total number of matching
// documents, and up to size of them.
type SearchResult struct {
	Total int
	Hits  []Hit
}

// Search runs query (the "query" part of a search body; nil matches all)
// on index, which may be a pattern such as "zeek-conn-*", and returns up to
// size documents. An index that does not exist yet matches nothing. More
// than a real engine's result window (10 000) are read with the scroll API.
func (s *Server) Search(index string, query any, size int) (SearchResult, error) {
	if query == nil {
		query = map[string]any{"match_all": map[string]any{}}
	}
	if err := s.Refresh(index); err != nil {
		return SearchResult{}, err
	}
	page := size
	scroll := size > maxResultWindow
	path := "/" + index + "/_search"
	if scroll {
		page, path = maxResultWindow, path+"?scroll=1m"
	}
	body := map[string]any{"query": query, "size": page, "track_total_hits": true}
	status, reply, err := s.Do("POST", path, body)
	if err != nil {
		return SearchResult{}, err
	}
	if status == http.StatusNotFound || status == http.StatusBadRequest && indexMissing(reply) {
		return SearchResult{}, nil
	}
	r, err := searchReply(index, status, reply)
	if err != nil || !scroll {
		return r.result, err
	}
	defer s.Do("DELETE", "/_search/scroll", map[string]any{"scroll_id": r.ScrollID}) //nolint:errcheck // a leftover scroll expires
	for len(r.Hits.Hits) > 0 && len(r.result.Hits) < size {
		status, reply, err = s.Do("POST", "/_search/scroll", map[string]any{"scroll": "1m", "scroll_id": r.ScrollID})
		if err != nil {
			return SearchResult{}, err
		}
		next, err := searchReply(index, status, reply)
		if err != nil {
			return SearchResult{}, err
		}
		r.ScrollID, r.Hits.Hits = next.ScrollID, next.Hits.Hits
		r.result.Hits = append(r.result.Hits, next.Hits.Hits...)
	}
	if len(r.result.Hits) > size {
		r.result.Hits = r.result.Hits[:size]
	}
	return r.result, nil
}

// maxResultWindow is how many hits a real engine returns at most per
// search (index.max_result_window's default).
const maxResultWindow = 10000

// searchPage is one search or scroll reply.
type searchPage struct {
	ScrollID string `json:"_scroll_id"`
	Hits     struct {
		Total struct {
			Value int `json:"value"`
		} `json:"total"`
		Hits []Hit `json:"hits"`
	} `json:"hits"`
	result SearchResult
}

func searchReply(index string, status int, reply []byte) (searchPage, error) {
	var r searchPage
	if status != http.StatusOK {
		return r, fmt.Errorf("search %s: %d %s", index, status, tail(reply, 500))
	}
	if err := json.Unmarshal(reply, &r); err != nil {
		return r, fmt.Errorf("search %s: bad reply: %w", index, err)
	}
	r.result = SearchResult{Total: r.Hits.Total.Value, Hits: r.Hits.Hits}
	return r, nil
}

// Refresh makes everything indexed so far in index (a name or pattern)
// searchable, so that a count is exact at once.
func (s *Server) Refresh(index string) error {
	status, reply, err := s.Do("POST", "/"+index+"/_refresh?ignore_unavailable=true&allow_no_indices=true", nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK && status != http.StatusNotFound {
		return fmt.Errorf("refresh %s: %d %s", index, status, tail(reply, 500))
	}
	return nil
}

// indexMissing recognises the answer for a search on an index (or
// pattern) with no index behind it yet.
func indexMissing(reply []byte) bool {
	var r struct {
		Error any `json:"error"`
	}
	if json.Unmarshal(reply, &r) != nil {
		return false
	}
	msg := fmt.Sprint(r.Error)
	return containsAny(msg, "does not exists", "does not exist", "no such index", "index_not_found")
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// WaitTotal polls until index holds exactly want documents and then checks
// that the number stays put for settle, since shipping is asynchronous (and
// documents become searchable only at a refresh): a count that is
// still rising would hide duplicates. It fails the test with the last count after timeout.
func (s *Server) WaitTotal(t testing.TB, index string, want int, timeout time.Duration) {
	t.Helper()
	const settle = 600 * time.Millisecond // more than two WAL sync intervals of 100ms
	deadline := time.Now().Add(timeout)
	got, stableSince := -1, time.Time{}
	var lastErr error
	for time.Now().Before(deadline) {
		r, err := s.Search(index, nil, 0)
		lastErr = err
		switch {
		case err != nil:
			stableSince = time.Time{}
		case r.Total != want:
			got, stableSince = r.Total, time.Time{}
		case stableSince.IsZero():
			got, stableSince = r.Total, time.Now()
		case time.Since(stableSince) >= settle:
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("estest: %s holds %d documents after %v, want %d (last error: %v)", index, got, timeout, want, lastErr)
}

// property is one field of a mapping: a type, or an object of fields.
type property struct {
	Type       string              `json:"type"`
	Properties map[string]property `json:"properties"`
}

// flattenProperties names object fields by their dotted path ("id.orig_h").
func flattenProperties(out map[string]string, prefix string, props map[string]property) {
	for name, p := range props {
		if p.Properties != nil {
			flattenProperties(out, prefix+name+".", p.Properties)
			continue
		}
		out[prefix+name] = p.Type
	}
}

// Mapping returns the field types the server holds for index, by dotted
// field name (e.g. "ts": "date", "id.orig_p": "long"). index may be a data
// stream with one backing index.
func (s *Server) Mapping(index string) (map[string]string, error) {
	status, reply, err := s.Do("GET", "/"+index+"/_mapping", nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("mapping of %s: %d %s", index, status, tail(reply, 500))
	}
	var r map[string]struct {
		Mappings struct {
			Properties map[string]property `json:"properties"`
		} `json:"mappings"`
	}
	if err := json.Unmarshal(reply, &r); err != nil {
		return nil, fmt.Errorf("mapping of %s: bad reply: %w", index, err)
	}
	m, ok := r[index]
	if !ok && len(r) == 1 { // a data stream or alias: its one backing index
		for _, only := range r {
			m, ok = only, true
		}
	}
	if !ok {
		return nil, fmt.Errorf("mapping of %s: reply names no such index: %s", index, tail(reply, 500))
	}
	types := map[string]string{}
	flattenProperties(types, "", m.Mappings.Properties)
	return types, nil
}
