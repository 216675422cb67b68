package estest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/childproc"
)

// Start and stop deadlines. They bound how long a broken environment can
// hang a test; they are not speed assertions.
const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 20 * time.Second
)

// Server is one running (or stopped) ZincSearch owned by a test.
type Server struct {
	// Dir holds the data directory and zinc.log.
	Dir string
	// Port is the loopback HTTP port; it stays the same across Stop/Start.
	Port int
	// User and Password are the admin credentials; Zinc always requires
	// basic auth.
	User, Password string

	binary string
	proc   *childproc.Proc
}

// Start builds (first use only) and starts a ZincSearch, waits until it
// answers, and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		binary:   Binary(t),
		Dir:      t.TempDir(),
		User:     "admin",
		Password: "Complexpass#123",
	}
	port, err := childproc.FreeLoopbackPort()
	if err != nil {
		t.Fatalf("estest: %v", err)
	}
	s.Port = port
	s.proc = &childproc.Proc{
		Name:         fmt.Sprintf("zincsearch on port %d", port),
		Log:          filepath.Join(s.Dir, "zinc.log"),
		ReadyTimeout: readyTimeout,
		StopTimeout:  stopTimeout,
		PollInterval: 50 * time.Millisecond,
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("estest: stop at cleanup: %v", err)
		}
	})
	if err := s.Start(); err != nil {
		t.Fatalf("estest: %v", err)
	}
	return s
}

// URL is the base of the Elasticsearch API, which Zinc serves under /es.
func (s *Server) URL() string { return "http://" + s.Addr() + "/es" }

// Addr is host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// Running reports whether the server process is up.
func (s *Server) Running() bool { return s.proc.Running() }

// Start runs a stopped server again on the same port with the same data,
// and waits until it answers. Starting a running server is an error.
func (s *Server) Start() error {
	if s.Running() {
		return errors.New("start: server is already running")
	}
	logf, err := os.OpenFile(s.proc.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open zinc.log: %w", err)
	}
	cmd := exec.Command(s.binary)
	cmd.Dir = s.Dir // Zinc reads a .env from its working directory; this one has none
	cmd.Env = s.env()
	cmd.Stdout, cmd.Stderr = logf, logf
	return s.proc.Start(cmd, s.healthy, func() { logf.Close() })
}

// env is the server's whole environment: nothing inherited, so that a
// developer's ZINC_* settings cannot change a test, and no network calls
// home (telemetry, error reporting).
func (s *Server) env() []string {
	return []string{
		"HOME=" + s.Dir,
		"ZINC_FIRST_ADMIN_USER=" + s.User,
		"ZINC_FIRST_ADMIN_PASSWORD=" + s.Password,
		"ZINC_DATA_PATH=" + filepath.Join(s.Dir, "data"),
		"ZINC_SERVER_ADDRESS=127.0.0.1",
		"ZINC_SERVER_PORT=" + strconv.Itoa(s.Port),
		"ZINC_TELEMETRY=false",
		"ZINC_SENTRY=false",
		"ZINC_PROFILER=false",
		// Documents become searchable within ~0.25 s instead of ~1 s.
		"ZINC_WAL_SYNC_INTERVAL=100ms",
		// A search may return every document of a test (default 10000),
		// so that tests can check each record is there exactly once.
		"ZINC_MAX_RESULTS=1000000",
		"GIN_MODE=release",
	}
}

// healthy is one readiness probe: /healthz answers 200.
func (s *Server) healthy() error {
	client := &http.Client{Timeout: time.Second}
	resp, err := client.Get("http://" + s.Addr() + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz answered %s", resp.Status)
	}
	return nil
}

// Stop shuts the server down with SIGTERM (Zinc then closes its indexes)
// and waits for it. Stopping a stopped server does nothing.
func (s *Server) Stop() error { return s.proc.Stop() }

// Kill ends the server with SIGKILL, as a crash would.
func (s *Server) Kill() error { return s.proc.Kill() }

// LogTail returns the end of zinc.log, for failure messages.
func (s *Server) LogTail() string { return childproc.LogTail(s.proc.Log, 4000) }
