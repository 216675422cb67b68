package redistest

import (
	"os/exec"
	"testing"
)

// debianRedisServer is where Debian's redis-server package puts the binary;
// it is tried when redis-server is not on PATH (e.g. a minimal test PATH).
const debianRedisServer = "/usr/bin/redis-server"

// redisServerPath returns the redis-server binary, or skips the test loudly:
// without the binary there is nothing real to test against, and .ci/run
// installs it, so a skip here means the environment is incomplete.
func redisServerPath(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p
	}
	if p, err := exec.LookPath(debianRedisServer); err == nil {
		return p
	}
	t.Skip("SKIPPING: redis-server is NOT INSTALLED (apt-get install -y redis-server); " +
		"this test needs a real Redis and proves nothing without it")
	return ""
}
