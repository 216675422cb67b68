// Package childproc runs a throw-away server process for tests: started on
// a free loopback port, waited for until it answers, stopped with SIGTERM
// (SIGKILL if it ignores that), killed with it if the test binary dies, and
// the tail of its log shown when it will not start. redistest (redis-server)
// and estest (OpenSearch, Elasticsearch) are built on it.
//
// Nothing here assumes a server is already running, and no package-level
// state is kept.
package childproc

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is one child server process, which may be started, stopped and
// started again. Set the exported fields before the first Start and do not
// change them afterwards. Its methods are safe for concurrent use.
type Proc struct {
	// Name is how errors name the process: "redis-server on port 6379".
	Name string
	// Log is the file the process writes its log to; the end of it is
	// added to the error when a start fails. Empty means none.
	Log string
	// ReadyTimeout bounds how long Start waits for Ready to succeed, and
	// StopTimeout how long a stop waits before escalating to SIGKILL. They
	// bound how long a broken environment can hang a test; they are not
	// speed assertions.
	ReadyTimeout, StopTimeout time.Duration
	// PollInterval is the pause between two Ready attempts.
	PollInterval time.Duration
	// Detach starts the process in a session of its own that outlives the
	// caller (a server left running by a command), instead of dying with it.
	Detach bool

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{} // closed when cmd has been reaped
	reaped func()
}

// Start runs cmd, which must not have been started, so that it dies with
// the test binary (Pdeathsig), then calls ready every PollInterval until it
// returns nil. If the process exits first, or ReadyTimeout passes, Start
// kills it and returns an error with the reason, ready's last error and
// the tail of the log. reaped, if not nil, runs once the process has been
// reaped (or at once if it could not start): the place to close its log
// file. Starting a running Proc is an error.
func (p *Proc) Start(cmd *exec.Cmd, ready func() error, reaped func()) error {
	if reaped == nil {
		reaped = func() {}
	}
	if p.Running() {
		reaped()
		return fmt.Errorf("start %s: already running", p.Name)
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if p.Detach {
		cmd.SysProcAttr.Setsid = true
	} else {
		// If the test binary dies, the server must not outlive it.
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if err := cmd.Start(); err != nil {
		reaped()
		return fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // reaps the process; the reasons it exited are in its log
		reaped()
		close(done)
	}()
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()

	if err := p.waitReady(done, ready); err != nil {
		_ = p.Kill()
		if p.Log == "" {
			return fmt.Errorf("%s not ready: %w", p.Name, err)
		}
		return fmt.Errorf("%s not ready: %w\n--- %s ---\n%s", p.Name, err, filepath.Base(p.Log), LogTail(p.Log, 4000))
	}
	return nil
}

// waitReady polls ready until it succeeds, the process exits, or the
// deadline passes.
func (p *Proc) waitReady(exited <-chan struct{}, ready func() error) error {
	deadline := time.Now().Add(p.ReadyTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("process exited during startup")
		default:
		}
		lastErr = ready()
		if lastErr == nil {
			return nil
		}
		time.Sleep(p.PollInterval)
	}
	return fmt.Errorf("no answer within %v: %w", p.ReadyTimeout, lastErr)
}

// Running reports whether the process is up.
func (p *Proc) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil
}

// Stop ends the process with SIGTERM, the graceful shutdown of the servers
// tests run, and waits for it. Stopping a stopped Proc does nothing.
func (p *Proc) Stop() error { return p.Signal(syscall.SIGTERM) }

// Pid is the running process's id, or 0 when it is not running: for
// benchmarks that read what the server itself spent (/proc/PID/stat).
func (p *Proc) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Kill ends the process with SIGKILL, as a crash or the OOM killer would,
// and waits for it.
func (p *Proc) Kill() error { return p.Signal(syscall.SIGKILL) }

// Signal sends sig and waits for the process to go away, escalating to
// SIGKILL if it does not within StopTimeout (and then saying so in the
// error). Signalling a stopped Proc does nothing.
func (p *Proc) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("send %v to %s: %w", sig, p.Name, err)
	}
	var err error
	select {
	case <-done:
	case <-time.After(p.StopTimeout):
		_ = cmd.Process.Kill()
		<-done
		err = fmt.Errorf("%s ignored %v for %v and was killed", p.Name, sig, p.StopTimeout)
	}
	p.mu.Lock()
	if p.cmd == cmd {
		p.cmd, p.done = nil, nil
	}
	p.mu.Unlock()
	return err
}

// LogTail returns the last max bytes of the file at path, for failure
// messages, or why there is none.
func LogTail(path string, max int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// FreeLoopbackPort finds a TCP port that is free right now on 127.0.0.1,
// below the kernel's ephemeral range. Outgoing connections take their
// local ports from that range, so a port the kernel picks with bind(0) can
// be taken by any client between this choice and the server's bind; that
// is how an OpenSearch node lost its port in CI while eight test packages
// ran. Below the range only another chooser like this one competes, and it
// picks at random. The port plus 10000 (a Redis Cluster bus port) is below
// the range too.
func FreeLoopbackPort() (int, error) {
	low, err := ephemeralLow()
	if err != nil {
		return 0, fmt.Errorf("find free loopback port: %w", err)
	}
	const first, busOffset = 10000, 10000
	last := low - busOffset - 1
	if last-first < 1000 {
		return kernelPort() // an unusual range leaves no room below it
	}
	for range 100 {
		port := first + rand.IntN(last-first+1)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			l.Close()
			return port, nil
		}
	}
	return 0, fmt.Errorf("find free loopback port: 100 random ports in %d-%d are taken", first, last)
}

// ephemeralLow is the first port of the kernel's ephemeral range, or
// Linux's default where /proc does not say.
func ephemeralLow() (int, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if errors.Is(err, os.ErrNotExist) {
		return 32768, nil
	}
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(b))
	if len(fields) != 2 {
		return 0, fmt.Errorf("ip_local_port_range: want two ports, got %q", b)
	}
	return strconv.Atoi(fields[0])
}

// kernelPort is a port from bind(0), inside the ephemeral range.
func kernelPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
