package estest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// httpClient bounds every request a test makes, so that a hung server
// fails the test instead of hanging it.
var httpClient = &http.Client{Timeout: 30 * time.Second}

// Do sends a request to path, from the base of the Elasticsearch API
// (e.g. "/_bulk"), with the server's credentials. body is sent as is when it is []byte or string, else as
// JSON. It returns the status and the whole reply body.
func (s *Server) Do(method, path string, body any) (int, []byte, error) {
	return s.DoAs(s.User, s.Password, method, path, body)
}

// DoAs is Do with other credentials; an empty user sends none.
func (s *Server) DoAs(user, password, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			return 0, nil, fmt.Errorf("encode request body: %w", err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: read reply: %w", method, path, err)
	}
	return resp.StatusCode, reply, nil
}
