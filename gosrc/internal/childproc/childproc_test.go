package childproc

import (
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newProc(t *testing.T) *Proc {
	return &Proc{
		Name:         "test child",
		Log:          filepath.Join(t.TempDir(), "child.log"),
		ReadyTimeout: 10 * time.Second,
		StopTimeout:  10 * time.Second,
		PollInterval: 10 * time.Millisecond,
	}
}

func TestAChildThatDiesAtStartupIsReportedWithItsLog(t *testing.T) {
	p := newProc(t)
	cmd := exec.Command("sh", "-c", `echo "bad config line 3" >> "$0"; exit 1`, p.Log)
	reaped := make(chan struct{})
	err := p.Start(cmd, func() error { return errors.New("not yet") }, func() { close(reaped) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "test child not ready: process exited during startup")
	assert.Contains(t, err.Error(), "--- child.log ---\nbad config line 3")
	<-reaped
	assert.False(t, p.Running())
}

func TestStopEscalatesToSIGKILLForAChildThatIgnoresSIGTERM(t *testing.T) {
	p := newProc(t)
	p.StopTimeout = 200 * time.Millisecond
	ready := filepath.Join(t.TempDir(), "ready")
	// The child says it is ready only once its trap is set.
	cmd := exec.Command("sh", "-c", `trap "" TERM; : > "$0"; while :; do sleep 1; done`, ready)
	require.NoError(t, p.Start(cmd, func() error { return exec.Command("test", "-e", ready).Run() }, nil))
	require.True(t, p.Running())
	require.Error(t, p.Start(exec.Command("true"), func() error { return nil }, nil), "a running Proc cannot be started twice")

	err := p.Stop()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "test child ignored terminated for 200ms and was killed")
	assert.False(t, p.Running())
	assert.NoError(t, p.Stop(), "stopping a stopped child does nothing")
}

func TestStartAgainAfterStop(t *testing.T) {
	p := newProc(t)
	for range 2 {
		require.NoError(t, p.Start(exec.Command("sleep", "60"), func() error { return nil }, nil))
		require.NoError(t, p.Stop())
		assert.False(t, p.Running())
	}
}

func TestFreeLoopbackPort(t *testing.T) {
	port, err := FreeLoopbackPort()
	require.NoError(t, err)
	low, err := ephemeralLow()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, port, 10000)
	assert.Less(t, port+10000, low, "the port and its cluster bus port are below the ephemeral range, where clients take theirs")
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	require.NoError(t, err, "the port is free")
	l.Close()
}
