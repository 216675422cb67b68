package estest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/childproc"
)

// Start and stop deadlines. They bound how long a broken environment can
// hang a test; they are not speed assertions.
const (
	readyTimeout = 90 * time.Second
	stopTimeout  = 30 * time.Second
)

// Engine names a search server the tests can run.
type Engine string

const (
	// OpenSearch is a real OpenSearch 2.19 node, assembled from Maven
	// Central: what the cold tier is tested against.
	OpenSearch Engine = "opensearch"
	// Elasticsearch is a real Elasticsearch 8.19 node, assembled from
	// Maven Central the same way, without the modules Maven Central does
	// not serve (no GET /, no /_data_stream API, no security).
	Elasticsearch Engine = "elasticsearch"
)

// Options choose the engine and its node settings.
type Options struct {
	// Engine is the server to run; empty means DefaultEngine().
	Engine Engine
	// Settings are extra OpenSearch (or Elasticsearch) node settings, e.g.
	// "thread_pool.write.queue_size": "1" for a node that answers 429
	// under load.
	Settings map[string]string
}

// Server is one running (or stopped) search server owned by a test.
type Server struct {
	// Engine is what runs.
	Engine Engine
	// Dir holds the server's data and its log.
	Dir string
	// Port is the loopback HTTP port; it stays the same across Stop/Start.
	Port int
	// User and Password are the credentials the server requires: empty,
	// since the test engines run without their security modules; a test
	// of credentials and TLS puts StartSecure in front.
	User, Password string

	// program is the built node's directory; settings are node settings.
	program  string
	settings map[string]string
	heap     string // the JVM's -Xms and -Xmx
	proc     *childproc.Proc
}

// Start starts a real OpenSearch node on a free loopback port, with its
// data in a temporary directory, waits until it answers, and stops it when
// the test ends. The node is built on first use (package doc). With
// CLOUDTAP_TEST_ENGINE=elasticsearch in the environment it starts an
// Elasticsearch node instead (DefaultEngine).
func Start(t testing.TB) *Server { return StartWith(t, Options{}) }

// EngineEnv names the environment variable that chooses the engine of
// Start and of StartWith without an Engine: opensearch (the default) or
// elasticsearch.
const EngineEnv = "CLOUDTAP_TEST_ENGINE"

// CPUsEnv names the environment variable that, when set, confines the
// engine to those CPUs (a taskset list, e.g. "1" or "2-3"): a benchmark
// gives the engine cores of its own, as it has on its own hosts, so that
// what is measured beside it does not take them. The JVM sizes its thread
// pools to what it is given.
const CPUsEnv = "CLOUDTAP_TEST_ENGINE_CPUS"

// HeapEnv names the environment variable that, when set, gives the
// engine's JVM that heap (a -Xmx size, e.g. "2g") instead of the small
// default: a benchmark that indexes hundreds of thousands of documents
// into one node fills 512 MiB and meets the node's parent circuit breaker
// (429 "Data too large"), which measures the test node's size, not the
// engine's ingest rate.
const HeapEnv = "CLOUDTAP_TEST_ENGINE_HEAP"

// defaultHeap is the heap of a test node: it holds little, and several
// may run at once on a small machine.
const defaultHeap = "512m"

// heapSize is the node's -Xms/-Xmx value: HeapEnv's, if it is a plain JVM
// size, else the default.
func heapSize() (string, error) {
	v := os.Getenv(HeapEnv)
	if v == "" {
		return defaultHeap, nil
	}
	if !jvmSize.MatchString(v) {
		return "", fmt.Errorf("%s=%q: want a JVM heap size such as 1g or 1536m", HeapEnv, v)
	}
	return v, nil
}

var jvmSize = regexp.MustCompile(`^[1-9][0-9]*[kKmMgG]$`)

// DefaultEngine is the engine EngineEnv names, OpenSearch when it is unset
// or empty. Any other value is returned as is, for New to refuse.
func DefaultEngine() Engine {
	if e := os.Getenv(EngineEnv); e != "" {
		return Engine(e)
	}
	return OpenSearch
}

// StartWith is Start with options. Where the tools to build the engine
// are missing (java or mvn) the test is
// skipped, loudly: it proves nothing without a real engine.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	port, err := childproc.FreeLoopbackPort()
	if err != nil {
		t.Fatalf("estest: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "engine")
	s, err := New(opts, dir, port, t.Logf)
	var missing *ToolMissingError
	if errors.As(err, &missing) {
		t.Skipf("SKIPPING: %v; this test needs a real search engine and proves nothing without it", err)
	}
	if err != nil {
		t.Fatalf("estest: %v", err)
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

// ToolMissingError says that a tool needed to build an engine is absent.
type ToolMissingError struct{ Tool, Engine string }

func (e *ToolMissingError) Error() string {
	return fmt.Sprintf("no %s command to build %s with", e.Tool, e.Engine)
}

// New prepares a server in dir (created if missing) on port, building the
// engine into the user's cache first if needed (logf hears about a build),
// and does not start it.
func New(opts Options, dir string, port int, logf func(string, ...any)) (*Server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create server directory: %w", err)
	}
	if opts.Engine == "" {
		opts.Engine = DefaultEngine()
	}
	heap, err := heapSize()
	if err != nil {
		return nil, err
	}
	s := &Server{Engine: opts.Engine, Dir: dir, Port: port, settings: opts.Settings, heap: heap}
	switch opts.Engine {
	case OpenSearch:
		s.program, err = LauncherPath(logf)
	case Elasticsearch:
		s.program, err = ElasticsearchPath(logf)
	default:
		return nil, fmt.Errorf("unknown engine %q (want %s or %s; %s=%s)", opts.Engine, OpenSearch, Elasticsearch, EngineEnv, os.Getenv(EngineEnv))
	}
	if err != nil {
		return nil, err
	}
	s.proc = &childproc.Proc{
		Name:         fmt.Sprintf("%s on port %d", s.Engine, port),
		Log:          filepath.Join(dir, string(s.Engine)+".log"),
		ReadyTimeout: readyTimeout,
		StopTimeout:  stopTimeout,
		PollInterval: 100 * time.Millisecond,
	}
	return s, nil
}

// Command is the server's command line, not started; its output belongs
// in LogPath.
func (s *Server) Command() *exec.Cmd {
	switch s.Engine {
	case Elasticsearch:
		return s.elasticsearchCommand()
	default:
		return s.openSearchCommand()
	}
}

// Ready is one readiness probe: nil once the server takes requests.
func (s *Server) Ready() error {
	switch s.Engine {
	case Elasticsearch:
		return s.elasticsearchHealthy()
	default:
		return s.openSearchHealthy()
	}
}

// URL is the base of the Elasticsearch API, without credentials.
func (s *Server) URL() string { return "http://" + s.Addr() }

// AuthURL is URL with the server's credentials in it, where it has any:
// what a cloudtap configuration names.
func (s *Server) AuthURL() string {
	u, _ := url.Parse(s.URL()) // built here from a loopback address: always parses
	if s.User != "" {
		u.User = url.UserPassword(s.User, s.Password)
	}
	return u.String()
}

// Addr is host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// Running reports whether the server process is up.
func (s *Server) Running() bool { return s.proc.Running() }

// Pid is the engine's process id, 0 when it is not running.
func (s *Server) Pid() int { return s.proc.Pid() }

// Start runs a stopped server again on the same port with the same data,
// and waits until it answers. Starting a running server is an error.
func (s *Server) Start() error {
	if s.Running() {
		return errors.New("start: server is already running")
	}
	logf, err := os.OpenFile(s.proc.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open server log: %w", err)
	}
	cmd := s.Command()
	cmd.Stdout, cmd.Stderr = logf, logf
	return s.proc.Start(cmd, s.Ready, func() { logf.Close() })
}

// Stop shuts the server down with SIGTERM (it then closes its indexes)
// and waits for it. Stopping a stopped server does nothing.
func (s *Server) Stop() error { return s.proc.Stop() }

// Kill ends the server with SIGKILL, as a crash would.
func (s *Server) Kill() error { return s.proc.Kill() }

// LogPath is the server's log file.
func (s *Server) LogPath() string { return s.proc.Log }

// LogTail returns the end of the server's log, for failure messages.
func (s *Server) LogTail() string { return childproc.LogTail(s.proc.Log, 4000) }
