package coldstore

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// tap is a reverse proxy in front of the real test server. It records what
// the shipper sent (Zinc drops mapping types it lacks, such as ip, so the
// template must be checked as sent), and can refuse requests to inject
// failures Zinc itself never produces (429). Everything it lets through
// is answered by the real server.
type tap struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []tappedRequest
	refuse   func(r *http.Request) int // status to answer instead, 0 to pass
}

type tappedRequest struct {
	Method, Path string
	Body         []byte
}

func newTap(t *testing.T, target string) *tap {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("tap target: %v", err)
	}
	tp := &tap{}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	tp.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		tp.mu.Lock()
		tp.requests = append(tp.requests, tappedRequest{r.Method, r.URL.Path, body})
		refuse := tp.refuse
		tp.mu.Unlock()
		if refuse != nil {
			if status := refuse(r); status != 0 {
				http.Error(w, `{"error":{"type":"es_rejected_execution_exception","reason":"injected by the test"},"status":429}`, status)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(tp.srv.Close)
	return tp
}

// url is the tap's address for a target URL: same path and credentials.
func (tp *tap) url(target string) string {
	u, _ := url.Parse(target)
	tu, _ := url.Parse(tp.srv.URL)
	u.Host = tu.Host
	return u.String()
}

func (tp *tap) setRefuse(f func(r *http.Request) int) {
	tp.mu.Lock()
	tp.refuse = f
	tp.mu.Unlock()
}

// sent returns the requests whose path contains part.
func (tp *tap) sent(method, part string) []tappedRequest {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	var out []tappedRequest
	for _, r := range tp.requests {
		if r.Method == method && strings.Contains(r.Path, part) {
			out = append(out, r)
		}
	}
	return out
}
