package estest

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// The OpenSearch node's build: a Maven project of one launcher class whose
// dependencies are the server and its modules (opensearch/pom.xml says
// which). Both files are embedded so that the build does not depend on
// where the tests run from.
var (
	//go:embed opensearch/pom.xml
	launcherPOM []byte
	//go:embed opensearch/Launcher.java
	launcherJava []byte
)

// launcherMain is the launcher's class.
const launcherMain = "cloudtap.estest.Launcher"

// LauncherPath returns the directory of the built OpenSearch node (the
// launcher jar, and lib/ with the server and its modules), building it into
// the user's cache on first use with mvn; logf hears about a build. The
// cache directory is named by a hash of the embedded build files, so that
// a changed pom.xml or launcher builds anew.
func LauncherPath(logf func(string, ...any)) (string, error) {
	return mavenNodePath(mavenNode{name: "OpenSearch", cache: "opensearch", pom: launcherPOM, java: launcherJava}, logf)
}

// mavenNode is a node assembled from Maven Central by a launcher project:
// name is the engine's name in messages, cache the prefix of its cache
// directory, pom and java the embedded build files.
type mavenNode struct {
	name, cache string
	pom, java   []byte
}

// mavenNodePath is LauncherPath for any mavenNode.
func mavenNodePath(m mavenNode, logf func(string, ...any)) (string, error) {
	if _, err := javaCommand(); err != nil {
		return "", &ToolMissingError{Tool: "java", Engine: m.name}
	}
	sum := sha256.New()
	sum.Write(m.pom)
	sum.Write(m.java)
	dir, err := cacheDir(m.cache + "-" + hex.EncodeToString(sum.Sum(nil))[:12])
	if err != nil {
		return "", err
	}
	node := filepath.Join(dir, "node")
	if dirExists(node) {
		return node, nil
	}
	mvn, err := exec.LookPath("mvn")
	if err != nil {
		return "", &ToolMissingError{Tool: "mvn", Engine: m.name}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create cache directory: %w", err)
	}
	unlock, err := lockFile(filepath.Join(dir, "build.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if dirExists(node) { // built by another process while we waited
		return node, nil
	}
	removeStaleBuilds(dir)
	logf("estest: assembling %s from Maven Central into %s (first use only)", m.name, dir)
	if err := buildLauncher(mvn, dir, node, m); err != nil {
		return "", err
	}
	return node, nil
}

// buildLauncher runs mvn package in a scratch directory inside dir and
// moves its target/ to node, so that a half-built node is never seen.
func buildLauncher(mvn, dir, node string, m mavenNode) error {
	scratch, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return fmt.Errorf("create build directory: %w", err)
	}
	defer os.RemoveAll(scratch)
	src := filepath.Join(scratch, "src", "main", "java", "cloudtap", "estest")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return fmt.Errorf("create source directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(scratch, "pom.xml"), m.pom, 0o644); err != nil {
		return fmt.Errorf("write pom.xml: %w", err)
	}
	if err := os.WriteFile(filepath.Join(src, "Launcher.java"), m.java, 0o644); err != nil {
		return fmt.Errorf("write Launcher.java: %w", err)
	}
	cmd := exec.Command(mvn, "-q", "-B", "package")
	cmd.Dir = scratch
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mvn package (%s node from Maven Central): %w\n%s", m.name, err, tail(msg, 4000))
	}
	if err := os.Rename(filepath.Join(scratch, "target"), node); err != nil {
		return fmt.Errorf("install node: %w", err)
	}
	return nil
}

// javaCommand finds java: $JAVA_HOME/bin/java, else on PATH.
func javaCommand() (string, error) {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		if p := filepath.Join(home, "bin", "java"); fileExists(p) {
			return p, nil
		}
	}
	p, err := exec.LookPath("java")
	if err != nil {
		return "", &ToolMissingError{Tool: "java", Engine: "OpenSearch"}
	}
	return p, nil
}

// openSearchCommand runs the node from its jars on the class path.
func (s *Server) openSearchCommand() *exec.Cmd {
	return s.javaNodeCommand("-cp", filepath.Join(s.program, "estest-opensearch-1.jar")+
		string(os.PathListSeparator)+filepath.Join(s.program, "lib", "*"))
}

// javaNodeCommand runs a node's launcher, found by the java options in
// where, with its data in the server's directory and its settings as
// arguments. The heap is fixed (HeapEnv).
func (s *Server) javaNodeCommand(where ...string) *exec.Cmd {
	java, _ := javaCommand() // found when the server was made
	args := []string{"-Xms" + s.heap, "-Xmx" + s.heap, "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + filepath.Join(s.Dir, "tmp")}
	args = append(args, where...)
	args = append(args, launcherMain, filepath.Join(s.Dir, "home"), "http.port="+strconv.Itoa(s.Port))
	keys := make([]string, 0, len(s.settings))
	for k := range s.settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, k+"="+s.settings[k])
	}
	_ = os.MkdirAll(filepath.Join(s.Dir, "tmp"), 0o755)
	cmd := exec.Command(java, args...)
	if cpus := os.Getenv(CPUsEnv); cpus != "" {
		// taskset execs java, so the process (and its pid) is the node's.
		cmd = exec.Command("taskset", append([]string{"--cpu-list", cpus, java}, args...)...)
	}
	cmd.Dir = s.Dir
	return cmd
}

// openSearchHealthy is one readiness probe: the cluster is at least
// yellow, so that indexing can start.
func (s *Server) openSearchHealthy() error {
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + s.Addr() + "/_cluster/health?wait_for_status=yellow&timeout=2s")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var h struct {
		Status string `json:"status"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&h) != nil {
		return fmt.Errorf("cluster health answered %s", resp.Status)
	}
	if h.Status != "green" && h.Status != "yellow" {
		return fmt.Errorf("cluster health is %q", h.Status)
	}
	return nil
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
