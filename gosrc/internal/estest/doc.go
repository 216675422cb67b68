// Package estest starts a real, throw-away Elasticsearch-API server for
// tests: ZincSearch v0.4.10, the only such server that installs here (see
// ../shared/README.md of the project).
//
// The binary is built on first use from the Go module proxy into a cache
// directory outside the repository ($XDG_CACHE_HOME/cloudtap or
// ~/.cache/cloudtap), under a file lock so that test packages running in
// parallel build it once. A failed build fails the test with the reason; the
// test is skipped only when no Go toolchain is there to build with.
//
// Every Server runs on a free loopback port with its data in t.TempDir(), is
// stopped by t.Cleanup, and can be stopped and started again on the same
// port with the same data, so that fault tests can take the server away from
// a client and give it back. No package-level state is kept.
//
// Zinc differs from Elasticsearch in ways tests must allow for, not the
// product: documents become searchable asynchronously (tests poll), the ip
// field type does not exist (it is kept as text), long is reported as
// numeric, and a bulk create item answers under "index".
package estest
