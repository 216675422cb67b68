package estest

import (
	_ "embed"
	"os/exec"
	"path/filepath"
)

// The Elasticsearch node's build: like OpenSearch's (opensearch.go), a
// Maven project of one launcher class whose dependencies are the server
// and transport-netty4 (elasticsearch/pom.xml says which), embedded.
var (
	//go:embed elasticsearch/pom.xml
	elasticsearchPOM []byte
	//go:embed elasticsearch/Launcher.java
	elasticsearchJava []byte
)

// ElasticsearchPath returns the directory of the built Elasticsearch node
// (the launcher jar, lib/ with the server, modules/ with transport-netty4),
// building it into the user's cache on first use with mvn, as LauncherPath
// does for OpenSearch.
func ElasticsearchPath(logf func(string, ...any)) (string, error) {
	return mavenNodePath(mavenNode{name: "Elasticsearch", cache: "elasticsearch", pom: elasticsearchPOM, java: elasticsearchJava}, logf)
}

// elasticsearchCommand runs the node with its data in the server's
// directory. Unlike OpenSearch, lib/ goes on the module path, as in the
// distribution: the server's plugin loader needs the server to be a named
// module. The launcher stays on the class path and reads the server's
// exported packages.
func (s *Server) elasticsearchCommand() *exec.Cmd {
	return s.javaNodeCommand("--module-path", filepath.Join(s.program, "lib"), "--add-modules=ALL-MODULE-PATH",
		"-cp", filepath.Join(s.program, "estest-elasticsearch-1.jar"))
}

// elasticsearchHealthy is one readiness probe. Elasticsearch's cluster
// health API is OpenSearch's, so is the probe.
func (s *Server) elasticsearchHealthy() error { return s.openSearchHealthy() }
