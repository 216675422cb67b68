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
	"sync"
	"syscall"
	"testing"
	"time"
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

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has been reaped
	log  *os.File
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
	port, err := freeLoopbackPort()
	if err != nil {
		t.Fatalf("estest: %v", err)
	}
	s.Port = port
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
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// Start runs a stopped server again on the same port with the same data,
// and waits until it answers. Starting a running server is an error.
func (s *Server) Start() error {
	if s.Running() {
		return errors.New("start: server is already running")
	}
	logf, err := os.OpenFile(filepath.Join(s.Dir, "zinc.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open zinc.log: %w", err)
	}
	cmd := exec.Command(s.binary)
	cmd.Dir = s.Dir // Zinc reads a .env from its working directory; this one has none
	cmd.Env = s.env()
	cmd.Stdout, cmd.Stderr = logf, logf
	// If the test binary dies, the server must not outlive it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", s.binary, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // reaps the process; its reasons are in zinc.log
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done, s.log = cmd, done, logf
	s.mu.Unlock()
	if err := s.waitReady(done); err != nil {
		_ = s.Kill()
		return fmt.Errorf("zincsearch on port %d not ready: %w\n--- zinc.log ---\n%s", s.Port, err, s.LogTail())
	}
	return nil
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

// waitReady polls /healthz until the server answers, exits, or the
// deadline passes.
func (s *Server) waitReady(exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("process exited during startup")
		default:
		}
		resp, err := client.Get("http://" + s.Addr() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/healthz answered %s", resp.Status)
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no answer within %v: %w", readyTimeout, lastErr)
}

// Stop shuts the server down with SIGTERM (Zinc then closes its indexes)
// and waits for it. Stopping a stopped server does nothing.
func (s *Server) Stop() error { return s.signal(syscall.SIGTERM) }

// Kill ends the server with SIGKILL, as a crash would.
func (s *Server) Kill() error { return s.signal(syscall.SIGKILL) }

// signal sends sig and waits for the process to go away, escalating to
// SIGKILL if it does not stop in time.
func (s *Server) signal(sig syscall.Signal) error {
	s.mu.Lock()
	cmd, done, logf := s.cmd, s.done, s.log
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("send %v to zincsearch: %w", sig, err)
	}
	var err error
	select {
	case <-done:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-done
		err = fmt.Errorf("zincsearch ignored %v for %v and was killed", sig, stopTimeout)
	}
	logf.Close()
	s.mu.Lock()
	s.cmd, s.done, s.log = nil, nil, nil
	s.mu.Unlock()
	return err
}

// LogTail returns the end of zinc.log, for failure messages.
func (s *Server) LogTail() string {
	b, err := os.ReadFile(filepath.Join(s.Dir, "zinc.log"))
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return tail(b, 4000)
}

// freeLoopbackPort asks the kernel for a port that is free right now on
// 127.0.0.1. Another process could take it before Zinc binds it; startup
// then fails with a clear error rather than talking to a stranger.
func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
