// Package estest starts a real, throw-away search engine for tests.
//
// The default is a real OpenSearch 2.19 node. No registry here serves a
// packaged OpenSearch or Elasticsearch, but Maven Central serves
// OpenSearch's server jar and modules: opensearch/pom.xml names them, and
// opensearch/Launcher.java starts a node from them on the class path, the
// way OpenSearch's own test framework does (transport-netty4 for HTTP,
// analysis-common; data streams, composable templates and the ip type are
// in the server itself). On first use `mvn package` assembles it (≈45 MB
// of jars) into a cache directory outside the repository
// ($XDG_CACHE_HOME/cloudtap or ~/.cache/cloudtap), under a file lock so
// that test packages running in parallel build it once. A node starts in
// about 3 s on this project's 2-core machines. It runs without the
// security plugin: no credentials.
//
// A real Elasticsearch 8.19 node is assembled the same way
// (elasticsearch/pom.xml, elasticsearch/Launcher.java): the server jar and
// transport-netty4, the only module of its distribution that Maven Central
// serves. Elasticsearch's plugin loader wants the server as a named module,
// so lib/ runs on the module path, and transport-netty4 is laid out in
// HOME/modules as in a distribution. It has data streams, composable
// templates and the ip type (all in the server), but no GET / (rest-root),
// no /_data_stream API (data-streams) and no security (x-pack).
// CLOUDTAP_TEST_ENGINE=elasticsearch makes Start (and StartWith without an
// Engine) use it, so that a whole test suite runs against Elasticsearch.
//
// Credentials and TLS are tested through StartSecure: a real nginx with
// HTTPS, basic auth and API keys in front of a node. ZincSearch, the
// Elasticsearch-API clone the tests used before, is gone: it had no ip
// type or data streams, refused legal Zeek times, and once the secured
// front existed it added no coverage.
//
// Every Server runs on a free loopback port with its data in t.TempDir(), is
// stopped by t.Cleanup, and can be stopped and started again on the same
// port with the same data, so that fault tests can take the server away from
// a client and give it back. Where the tools to build an engine are missing
// (java or mvn), the test is skipped, loudly. No package-level
// state is kept. cmd/test-engine starts the same engines outside go test.
package estest
