package redistest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/childproc"
	"github.com/cloudtap/cloudtap/gosrc/internal/tlstest"
)

// Start and stop deadlines. They bound how long a broken environment can
// hang a test; they are not speed assertions.
const (
	readyTimeout = 15 * time.Second
	stopTimeout  = 10 * time.Second
)

// Server is one running (or stopped) redis-server owned by a test.
type Server struct {
	// Dir is the server's working directory: redis.conf, redis.log, the
	// append-only files and, with TLS, the certificates.
	Dir string
	// Port is the loopback port, the TLS port when Options.TLS is set. It
	// stays the same across Restart.
	Port int
	// CAFile is the PEM file of the CA that signed the server certificate
	// (TLS only).
	CAFile string

	opts     Options
	binary   string
	confPath string
	proc     *childproc.Proc

	mu      sync.Mutex
	repairs []string // redis-check-aof reports, see aofrepair.go
}

// Start runs a redis-server configured by opts and waits until it answers
// PING. The server is stopped when the test ends. A missing redis-server
// binary skips the test with a loud reason.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	binary := redisServerPath(t)
	dir := t.TempDir()
	port, err := childproc.FreeLoopbackPort()
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	s := &Server{Dir: dir, Port: port, opts: opts, binary: binary}
	s.proc = &childproc.Proc{
		Name:         fmt.Sprintf("redis-server on port %d", port),
		Log:          filepath.Join(dir, "redis.log"),
		ReadyTimeout: readyTimeout,
		StopTimeout:  stopTimeout,
		PollInterval: 20 * time.Millisecond,
	}
	var files *tlstest.Files
	if opts.TLS {
		f, err := tlstest.Write(dir)
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		files = &f
		s.CAFile = f.CAFile
	}
	s.confPath = filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(s.confPath, []byte(redisConf(opts, dir, port, files)), 0o600); err != nil {
		t.Fatalf("redistest: write redis.conf: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("redistest: stop at cleanup: %v", err)
		}
	})
	if err := s.start(); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return s
}

// Addr is host:port of the server.
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))
}

// URL is a redis:// (or rediss:// for TLS) URL of the server for the given
// user and password; both may be empty.
func (s *Server) URL(user, password string) string {
	u := url.URL{Scheme: "redis", Host: s.Addr()}
	if s.opts.TLS {
		u.Scheme = "rediss"
	}
	switch {
	case user != "" && password != "":
		u.User = url.UserPassword(user, password)
	case user != "":
		u.User = url.User(user)
	case password != "":
		u.User = url.UserPassword("", password)
	}
	return u.String()
}

// TLSConfig is a client configuration that trusts the server's CA. It is nil
// for a server without TLS.
func (s *Server) TLSConfig() (*tls.Config, error) {
	if !s.opts.TLS {
		return nil, nil
	}
	pem, err := os.ReadFile(s.CAFile)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s holds no certificate", s.CAFile)
	}
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}, nil
}

// Dial opens an administrative connection as the default user (with the
// requirepass password and the test CA as needed). The caller closes it.
func (s *Server) Dial() (redis.Conn, error) {
	opts := []redis.DialOption{redis.DialConnectTimeout(5 * time.Second)}
	if s.opts.Password != "" {
		opts = append(opts, redis.DialPassword(s.opts.Password))
	}
	if s.opts.TLS {
		cfg, err := s.TLSConfig()
		if err != nil {
			return nil, err
		}
		opts = append(opts, redis.DialUseTLS(true), redis.DialTLSConfig(cfg))
	}
	c, err := redis.Dial("tcp", s.Addr(), opts...)
	if err != nil {
		return nil, fmt.Errorf("dial redis-server at %s: %w", s.Addr(), err)
	}
	return c, nil
}

// Conn is Dial for tests: it fails the test on error and closes the
// connection when the test ends.
func (s *Server) Conn(t testing.TB) redis.Conn {
	t.Helper()
	c, err := s.Dial()
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Running reports whether the server process is up.
func (s *Server) Running() bool { return s.proc.Running() }

// Stop shuts the server down with SIGTERM (Redis's graceful shutdown, which
// also finishes the append-only file) and waits for it. Stopping a stopped
// server does nothing.
func (s *Server) Stop() error { return s.proc.Stop() }

// Kill ends the server with SIGKILL, as a crash or the OOM killer would, and
// waits for it. Only what Redis already wrote to disk survives.
func (s *Server) Kill() error { return s.proc.Kill() }

// Restart starts a stopped or killed server again on the same port with the
// same directory and configuration. With Options.AppendOnly the data comes
// back from the append-only file; if a kill tore its last transaction and
// Redis refuses to start, the file is repaired with redis-check-aof --fix
// first (see aofrepair.go) and the report kept for AOFRepairs.
func (s *Server) Restart() error {
	if s.Running() {
		return errors.New("restart: server is still running; Stop or Kill it first")
	}
	logFrom := s.logSize()
	err := s.start()
	if err == nil || !s.needsAOFRepair(logFrom) {
		return err
	}
	if rerr := s.repairAOF(); rerr != nil {
		return fmt.Errorf("%w\nrepair: %v", err, rerr)
	}
	return s.start()
}

// start launches the process and waits until it answers PING. Redis may
// refuse commands with LOADING while it replays the append-only file; that
// counts as not ready yet.
func (s *Server) start() error {
	cmd := exec.Command(s.binary, s.confPath)
	cmd.Dir = s.Dir
	return s.proc.Start(cmd, s.ping, nil)
}

// ping is one readiness probe.
func (s *Server) ping() error {
	c, err := s.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Do("PING")
	return err
}

// logSize is the length of redis.log now, 0 if there is none yet.
func (s *Server) logSize() int64 {
	st, err := os.Stat(filepath.Join(s.Dir, "redis.log"))
	if err != nil {
		return 0
	}
	return st.Size()
}

// logSince returns what redis.log gained after offset from.
func (s *Server) logSince(from int64) string {
	b, err := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
	if err != nil || int64(len(b)) < from {
		return ""
	}
	return string(b[from:])
}
