// Command test-engine starts the search engine cloudtap's tests use (a real
// OpenSearch node, or an Elasticsearch one, assembled from Maven Central on
// first use; see package estest) in a directory, leaves it running, and prints its base URL, with
// credentials where the engine has any. For demos, btests and trying the
// cold tier by hand; it is not part of cloudtap.
//
//	go run ./gosrc/internal/cmd/test-engine [-engine opensearch|elasticsearch] [-port N] [-set key=value]... DIR
//	kill "$(cat DIR/engine.pid)"      # stop it
//
// The engine's log is DIR/<engine>.log.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/childproc"
	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
)

// readyTimeout bounds the wait for a broken engine; a first start that has
// to fetch jars from Maven Central builds before this clock starts.
const readyTimeout = 120 * time.Second

// settings collects repeated -set key=value flags.
type settings map[string]string

func (s settings) String() string { return fmt.Sprint(map[string]string(s)) }

func (s settings) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	s[k] = val
	return nil
}

func main() {
	engine := flag.String("engine", string(estest.OpenSearch), "opensearch or elasticsearch")
	port := flag.Int("port", 0, "loopback HTTP port (0: a free one)")
	set := settings{}
	flag.Var(set, "set", "an OpenSearch node setting key=value (repeatable)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: test-engine [-engine opensearch|elasticsearch] [-port N] [-set key=value]... DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	url, err := start(flag.Arg(0), estest.Engine(*engine), *port, set)
	if err != nil {
		fmt.Fprintf(os.Stderr, "test-engine: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(url)
}

func start(dir string, engine estest.Engine, port int, set settings) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if port == 0 {
		if port, err = childproc.FreeLoopbackPort(); err != nil {
			return "", err
		}
	}
	logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, "test-engine: "+format+"\n", a...) }
	s, err := estest.New(estest.Options{Engine: engine, Settings: set}, dir, port, logf)
	if err != nil {
		return "", err
	}
	logFile, err := os.OpenFile(s.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return "", err
	}
	defer logFile.Close()
	cmd := s.Command()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	proc := &childproc.Proc{
		Name:         fmt.Sprintf("%s on port %d", engine, port),
		Log:          s.LogPath(),
		ReadyTimeout: readyTimeout,
		PollInterval: 200 * time.Millisecond,
		Detach:       true, // it outlives this command, until it is killed
	}
	if err := proc.Start(cmd, s.Ready, nil); err != nil {
		return "", err
	}
	pidFile := filepath.Join(dir, "engine.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		_ = proc.Kill()
		return "", err
	}
	return s.AuthURL(), nil
}
