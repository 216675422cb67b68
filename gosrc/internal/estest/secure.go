package estest

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/childproc"
	"github.com/cloudtap/cloudtap/gosrc/internal/tlstest"
)

// Secure is a secured endpoint in front of a test engine, as a production
// cluster or a managed service (AWS OpenSearch Service, Elastic Cloud)
// presents one: HTTPS with a certificate from a throw-away CA, and either
// basic auth or an API key (the Authorization header Elasticsearch and
// OpenSearch take: "ApiKey base64(id:key)"). It is a real nginx, from
// Debian, since the test node runs without OpenSearch's security plugin.
// A request without one of the two credentials is answered 401 with an
// Elasticsearch-style security_exception.
type Secure struct {
	// URL is the https:// base, without credentials.
	URL string
	// CAFile is the PEM file of the CA that signed the front's certificate.
	CAFile string
	// User and Password are the basic-auth credentials it takes.
	User, Password string
	// APIKeyID and APIKey make the API key it takes, "id:key".
	APIKeyID, APIKey string

	proc *childproc.Proc
}

// StartSecure starts nginx on a free loopback port in front of backend,
// until the test ends. Without nginx the test is skipped, loudly.
func StartSecure(t testing.TB, backend *Server) *Secure {
	t.Helper()
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		if nginx = "/usr/sbin/nginx"; !fileExists(nginx) {
			t.Skip("SKIPPING: nginx is NOT INSTALLED (apt-get install -y nginx); this test needs a real TLS " +
				"and auth front and proves nothing without it")
		}
	}
	dir := filepath.Join(t.TempDir(), "secure")
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		t.Fatalf("estest: %v", err)
	}
	files, err := tlstest.Write(dir)
	if err != nil {
		t.Fatalf("estest: %v", err)
	}
	port, err := childproc.FreeLoopbackPort()
	if err != nil {
		t.Fatalf("estest: %v", err)
	}
	s := &Secure{
		URL:      fmt.Sprintf("https://127.0.0.1:%d", port),
		CAFile:   files.CAFile,
		User:     "elastic",
		Password: "pw with spaces & symbols #1",
		APIKeyID: "VuaCfGcBCdbkQm-e5aOx",
		APIKey:   "ui2lp2axTNmsyakw9tvNnw",
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(s.nginxConf(dir, files, port, backend.Port)), 0o644); err != nil {
		t.Fatalf("estest: %v", err)
	}
	s.proc = &childproc.Proc{
		Name:         fmt.Sprintf("nginx on port %d", port),
		Log:          filepath.Join(dir, "error.log"),
		ReadyTimeout: readyTimeout,
		StopTimeout:  stopTimeout,
		PollInterval: 50 * time.Millisecond,
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log"))
	t.Cleanup(func() {
		if err := s.proc.Stop(); err != nil {
			t.Errorf("estest: stop nginx: %v", err)
		}
	})
	if err := s.proc.Start(cmd, s.ready, nil); err != nil {
		t.Fatalf("estest: %v", err)
	}
	return s
}

// AuthURL is URL with the basic-auth credentials in it.
func (s *Secure) AuthURL() string {
	u, _ := url.Parse(s.URL) // built here: always parses
	u.User = url.UserPassword(s.User, s.Password)
	return u.String()
}

// nginxConf is the front's whole configuration: one TLS server that lets
// through requests with one of its two credentials and proxies them to
// the backend.
func (s *Secure) nginxConf(dir string, files tlstest.Files, port, backendPort int) string {
	basic := base64.StdEncoding.EncodeToString([]byte(s.User + ":" + s.Password))
	apiKey := base64.StdEncoding.EncodeToString([]byte(s.APIKeyID + ":" + s.APIKey))
	user := ""
	if os.Geteuid() == 0 {
		// Workers would otherwise drop to nobody, who cannot read the
		// test's private directory.
		user = "user root;"
	}
	tmp := filepath.Join(dir, "tmp")
	return fmt.Sprintf(`daemon off;
master_process on;
worker_processes 1;
%s
pid %s;
error_log %s warn;
events { worker_connections 256; }
http {
	access_log off;
	map_hash_bucket_size 256;
	client_body_temp_path %s/body;
	proxy_temp_path %s/proxy;
	fastcgi_temp_path %s/fastcgi;
	uwsgi_temp_path %s/uwsgi;
	scgi_temp_path %s/scgi;
	map $http_authorization $authorized {
		default 0;
		"Basic %s" 1;
		"ApiKey %s" 1;
	}
	server {
		listen 127.0.0.1:%d ssl;
		ssl_certificate %s;
		ssl_certificate_key %s;
		client_max_body_size 200m;
		client_body_buffer_size 16m;
		default_type application/json;
		location / {
			if ($authorized = 0) {
				add_header WWW-Authenticate 'Basic realm="estest"' always;
				return 401 '{"error":{"type":"security_exception","reason":"missing or wrong credentials"},"status":401}';
			}
			proxy_pass http://127.0.0.1:%d;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Authorization "";
			proxy_read_timeout 120s;
		}
	}
}
`, user, filepath.Join(dir, "nginx.pid"), filepath.Join(dir, "error.log"), tmp, tmp, tmp, tmp, tmp,
		basic, apiKey, port, files.CertFile, files.KeyFile, backendPort)
}

// ready is one readiness probe: the front answers a request without
// credentials with its 401 (TLS not checked: only whether it listens).
func (s *Secure) ready() error {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = insecureTLS()
	client := &http.Client{Timeout: time.Second, Transport: tr}
	resp, err := client.Get(s.URL + "/")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		return errors.New("the front answered " + resp.Status + " without credentials, want 401")
	}
	return nil
}

// insecureTLS is for the readiness probe only, which must not depend on
// the CA it is starting to serve.
func insecureTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} } //nolint:gosec // probe only
