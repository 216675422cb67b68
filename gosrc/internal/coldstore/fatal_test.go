package coldstore

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// Credentials no retry can fix, and an untrusted certificate, stop Run
// with one error that says so, instead of retrying forever: the engine's,
// behind a secured front, and Redis's.
func TestWrongCredentialsStopRunWithOneClearError(t *testing.T) {
	s := startServers(t)
	front := estest.StartSecure(t, s.es)
	cfg := testConfig(t, s, "a", "conn")
	cfg.CAFile = front.CAFile
	u, err := url.Parse(front.URL)
	require.NoError(t, err)
	u.User = url.UserPassword(front.User, "Hunter2x")
	cfg.ElasticsearchURL = u.String()
	err = runBriefly(t, cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "401")
	assert.Contains(t, err.Error(), "credentials")
	assert.NotContains(t, err.Error(), "Hunter2x", "the password is never shown")

	// The right password, but the front's CA is not named in ca-file.
	cfg = testConfig(t, s, "a", "conn")
	cfg.ElasticsearchURL = front.AuthURL()
	err = runBriefly(t, cfg)
	require.Error(t, err)
	t.Logf("untrusted certificate: %v", err)
	assert.Contains(t, err.Error(), "certificate signed by unknown authority")
	assert.Contains(t, err.Error(), "ca-file")
	assert.NotContains(t, err.Error(), front.Password)

	locked := redistest.Start(t, redistest.Options{Password: "s3cret"})
	cfg = testConfig(t, s, "a", "conn")
	cfg.Redis, err = hotstore.ParseURL(locked.URL("", "nope"))
	require.NoError(t, err)
	err = runBriefly(t, cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refused the login")
}

// runBriefly runs a Shipper that is expected to stop by itself.
func runBriefly(t *testing.T, cfg Config) error {
	t.Helper()
	sh, err := New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	start := time.Now()
	err = sh.Run(ctx)
	require.Less(t, time.Since(start), waitTimeout, "Run must stop by itself on a fatal error")
	return err
}
