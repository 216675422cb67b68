package coldstore

import (
	"bytes"
	"context"
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
// the shipper sent (the template as sent, say), and can refuse requests to
// inject whole-request failures (429) at chosen moments, or hold a request
// (the refuse function may block) to stop the shipper mid-request.
// Everything it lets through is answered by the real server.
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
	proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		t.Logf("tap: %s %s: %v", r.Method, r.URL.Path, err)
		w.WriteHeader(http.StatusBadGateway)
	}
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
		// Forwarded even if the client has gone meanwhile: a request the
		// shipper gave up on may still reach the server, as on a network.
		// (ReverseProxy cancels on a CloseNotifier's signal; plainWriter
		// hides it.)
		proxy.ServeHTTP(plainWriter{w}, r.WithContext(context.Background()))
	}))
	t.Cleanup(tp.srv.Close)
	return tp
}

// plainWriter is a ResponseWriter and nothing more.
type plainWriter struct{ w http.ResponseWriter }

func (p plainWriter) Header() http.Header         { return p.w.Header() }
func (p plainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p plainWriter) WriteHeader(status int)      { p.w.WriteHeader(status) }

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
