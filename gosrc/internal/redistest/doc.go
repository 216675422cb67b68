// Package redistest starts a real, throw-away redis-server for tests.
//
// Every Server runs Debian's redis-server binary on a free loopback port in
// its own t.TempDir(), is stopped by t.Cleanup, and can be stopped, killed
// (SIGKILL) and restarted on the same port with the same data directory, so
// that fault tests can take Redis away from a client and give it back.
//
// Nothing here assumes a server is already running, and no package-level
// state is kept: each test owns the servers it starts.
package redistest
