package hotstore

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTLSWithTheServersCAFile(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{TLS: true, Password: "pw"})
	cfg, err := ParseURL(srv.URL("", "pw") + "?tls-ca-file=" + url.QueryEscape(srv.CAFile))
	require.NoError(t, err)
	require.True(t, cfg.TLS)
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")
	require.NoError(t, s.Write(connRecords("conn", 0, 50)))
	flush(t, s)
	assert.Equal(t, asStrings(connRecords("conn", 0, 50)), streamJSON(t, srv.Conn(t), "zeek:conn"))
}

func TestTLSSkipVerify(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{TLS: true})
	cfg, err := ParseURL(srv.URL("", "") + "?tls-skip-verify=true")
	require.NoError(t, err)
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")
	require.NoError(t, s.Write(connRecords("conn", 0, 3)))
	flush(t, s)
	assert.Len(t, streamJSON(t, srv.Conn(t), "zeek:conn"), 3)
}

func TestTLSRefusesAnUnknownCA(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{TLS: true})
	log := &errorLog{}
	cfg := testConfig(t, srv, "", "") // system CAs only: the test CA is unknown
	cfg.OnError = log.record
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")
	require.NoError(t, s.Write(connRecords("conn", 0, 3)))

	// Wait for the writer's first failed attempt, then for a flush that
	// cannot succeed.
	require.Eventually(t, func() bool { return s.Stats().LastError != "" }, flushTimeout, 5*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	require.Error(t, s.Flush(ctx))
	assert.Contains(t, s.Stats().LastError, "certificate")
	assert.Equal(t, int64(3), s.Stats().Buffered)

	closeCtx, cancelClose := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelClose()
	require.ErrorIs(t, w.Close(closeCtx), ErrUndelivered)
	assert.Equal(t, uint64(3), w.Stats().Dropped)
}

func TestTLSCAFileThatIsNotPEMIsAnOptionError(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600))
	cfg, err := ParseURL("rediss://127.0.0.1:6379?tls-ca-file=" + url.QueryEscape(notPEM))
	require.NoError(t, err, "the URL itself is fine")
	_, err = New(cfg)
	var oe *OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "tls-ca-file", oe.Option)
}
