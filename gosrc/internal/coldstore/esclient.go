package coldstore

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// maxReplyBytes bounds what is read of one reply. A bulk reply is a few
// hundred bytes per document; a reply larger than this is not one.
const maxReplyBytes = 64 << 20

// esClient speaks the plain Elasticsearch REST API over net/http: the
// _bulk and _index_template endpoints are the same in Elasticsearch 8 and
// 9 and in OpenSearch 2, and nothing here looks at X-Elastic-Product (see
// the package documentation for why not the official client).
type esClient struct {
	base string // scheme://host[:port][/prefix], no trailing slash, no credentials
	auth string // Authorization header value, "" for none
	http *http.Client
	// onSlow, if set, hears once of each request still unanswered after
	// slowAfter, long before its timeout ends it: an engine that accepts
	// connections and never answers is reported while it happens, not a
	// request-timeout later.
	onSlow    func(error)
	slowAfter time.Duration
}

// slowRequestAfter is when a request still unanswered is reported: 10 s,
// or half the request timeout if that is shorter.
func slowRequestAfter(timeout time.Duration) time.Duration { return min(10*time.Second, timeout/2) }

func newESClient(c *Config) (*esClient, error) {
	u, err := url.Parse(c.ElasticsearchURL)
	if err != nil {
		return nil, badOption("elasticsearch", RedactURL(c.ElasticsearchURL), "not a URL")
	}
	user, password := c.Username, c.Password
	if u.User != nil && user == "" && password == "" {
		user = u.User.Username()
		password, _ = u.User.Password()
	}
	u.User = nil
	cl := &esClient{base: strings.TrimRight(u.String(), "/")}
	switch {
	case c.APIKey != "":
		key := c.APIKey
		if strings.Contains(key, ":") { // id:api_key; the header wants it encoded
			key = base64.StdEncoding.EncodeToString([]byte(key))
		}
		cl.auth = "ApiKey " + key
	case user != "" || password != "":
		cl.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32 // one connection per shipping path, typically
	if u.Scheme == "https" {
		tc, err := esTLSConfig(c)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = tc
	}
	cl.http = &http.Client{Transport: tr, Timeout: c.RequestTimeout}
	cl.slowAfter = slowRequestAfter(c.RequestTimeout)
	return cl, nil
}

// closeIdle ends the kept-alive connections and their reader goroutines;
// without it a stopped shipper inside a long-lived process (a writer's
// embedded one) would leave one per path behind.
func (c *esClient) closeIdle() { c.http.CloseIdleConnections() }

func esTLSConfig(c *Config) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.TLSSkipVerify}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, badOption("ca-file", c.CAFile, fmt.Sprintf("cannot read: %v", err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, badOption("ca-file", c.CAFile, "holds no PEM certificate")
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// esReply is a complete HTTP answer.
type esReply struct {
	Status int
	Body   []byte
}

// do sends one request. A transport failure (refused, reset, timeout,
// TLS) is an error; any HTTP status is a reply for the caller to judge.
func (c *esClient) do(ctx context.Context, method, path, contentType string, body []byte) (esReply, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return esReply{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	start := time.Now()
	if c.onSlow != nil && c.slowAfter > 0 {
		slow := time.AfterFunc(c.slowAfter, func() {
			c.onSlow(fmt.Errorf("coldstore: %s %s at %s: no answer after %v (waiting up to request-timeout %v)",
				method, path, c.base, c.slowAfter, c.http.Timeout))
		})
		defer slow.Stop()
	}
	resp, err := c.http.Do(req)
	if err != nil {
		err = fmt.Errorf("%s %s: %w", method, path, redactURLError(err))
		var untrusted *tls.CertificateVerificationError
		if errors.As(err, &untrusted) {
			// No retry makes a certificate trusted.
			return esReply{}, &fatalError{fmt.Errorf("%w (the engine's TLS certificate is not trusted here: "+
				"name the CA that signed it with ca-file)", err)}
		}
		return esReply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return esReply{}, fmt.Errorf("%s %s: reading the reply after %v: %w", method, path, time.Since(start).Round(time.Millisecond), err)
	}
	if len(b) > maxReplyBytes {
		return esReply{}, fmt.Errorf("%s %s: reply larger than %d bytes", method, path, maxReplyBytes)
	}
	return esReply{Status: resp.StatusCode, Body: b}, nil
}

// redactURLError keeps a *url.Error's reason and operation but not its
// URL, which never holds credentials here but may be long.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// snippet shortens a reply body for an error message.
func snippet(b []byte) string {
	const max = 300
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
