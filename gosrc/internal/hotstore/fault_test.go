package hotstore

import (
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireExactSequence fails with counts of missing, doubled and misplaced
// records instead of dumping two huge slices.
func requireExactSequence(t *testing.T, want [][]byte, got []string) {
	t.Helper()
	seen := make(map[string]int, len(got))
	for _, g := range got {
		seen[g]++
	}
	missing, doubled := 0, 0
	for _, w := range want {
		switch seen[string(w)] {
		case 0:
			missing++
		case 1:
		default:
			doubled++
		}
	}
	firstMisplaced := -1
	for i := range min(len(want), len(got)) {
		if string(want[i]) != got[i] {
			firstMisplaced = i
			break
		}
	}
	require.True(t, len(got) == len(want) && missing == 0 && doubled == 0 && firstMisplaced == -1,
		"want %d records, got %d: %d missing, %d doubled, first out of place at %d",
		len(want), len(got), missing, doubled, firstMisplaced)
}

// TestRedisKilledTwiceMidStreamLosesAndDoublesNothing writes 100 000
// records while Redis is SIGKILLed and restarted twice. Redis runs with
// appendonly yes and appendfsync always, so what it acknowledged survives
// the kill; the writer must supply the rest exactly once and in order.
// A kill can tear the batch Redis was writing to its append-only file;
// the test server then has the file repaired the way an operator would
// (redistest/aofrepair.go): Redis 7.0's own repair keeps half of the torn
// batch and replays it at the next restart, doubling it whatever the
// writer does.
func TestRedisKilledTwiceMidStreamLosesAndDoublesNothing(t *testing.T) {
	const (
		total     = 100_000
		batchSize = 100
	)
	// Record offsets at which the server goes away and comes back.
	killAt := map[int]bool{25_000: true, 70_000: true}
	restartAt := map[int]bool{45_000: true, 85_000: true}

	srv := redistest.Start(t, redistest.Options{AppendOnly: true})
	log := &errorLog{}
	cfg := testConfig(t, srv, "", "")
	cfg.OnError = log.record
	cfg.BufferMaxRecords = total // room for everything: this test is about the wire, not overflow
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")

	want := connRecords("conn", 0, total)
	for i := 0; i < total; i += batchSize {
		if killAt[i] {
			require.NoError(t, srv.Kill())
			// Go on writing only once the writer has met the dead server,
			// so that records really pile up in the buffer.
			errorsBefore := len(log.otherErrors())
			require.Eventually(t, func() bool { return len(log.otherErrors()) > errorsBefore },
				flushTimeout, 5*time.Millisecond)
		}
		if restartAt[i] {
			reconnects := s.Stats().Reconnects
			require.NoError(t, srv.Restart())
			// Keep the two outages apart: wait for the writer to be back.
			require.Eventually(t, func() bool { return s.Stats().Reconnects > reconnects },
				flushTimeout, 5*time.Millisecond)
		}
		require.NoError(t, s.Write(want[i:i+batchSize]))
	}
	flush(t, s)

	requireExactSequence(t, want, streamJSON(t, srv.Conn(t), "zeek:conn"))
	st := s.Stats()
	assert.Equal(t, uint64(total), st.Written)
	assert.Zero(t, st.Dropped)
	assert.Zero(t, st.Buffered)
	assert.GreaterOrEqual(t, st.Reconnects, uint64(2), "one reconnect per outage at least")
	assert.Empty(t, log.drops)
	t.Logf("written %d, reconnects %d, batches found already stored on resend %d, delivery errors %d, torn append-only files repaired %d",
		st.Written, st.Reconnects, st.Redelivered, len(log.otherErrors()), len(srv.AOFRepairs()))
}

// TestReplyLostToATimeoutIsResentAndStoredOnce makes Redis apply a batch
// after the writer has given up waiting for the reply: DEBUG SLEEP stalls
// the server longer than the writer's IO timeout while a batch is on the
// wire. The writer reconnects and resends the same batch; the marker must
// make that resend a no-op. Whether the batch reaches the server before
// the sleep starts is up to the scheduler, so the stall is provoked up to
// a few times until a resend is observed; exactness is checked every time.
func TestReplyLostToATimeoutIsResentAndStoredOnce(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{Config: []string{"enable-debug-command local"}})
	cfg := testConfig(t, srv, "", "")
	cfg.IOTimeout = 200 * time.Millisecond
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")
	admin := srv.Conn(t)

	var want [][]byte
	write := func(n int) {
		recs := connRecords("conn", len(want), len(want)+n)
		require.NoError(t, s.Write(recs))
		want = append(want, recs...)
	}
	write(100)
	flush(t, s) // the writer is connected and idle

	for attempt := 1; attempt <= 5 && s.Stats().Redelivered == 0; attempt++ {
		// Send the stall, let it start, then put a batch on the wire.
		require.NoError(t, admin.Send("DEBUG", "SLEEP", "1"))
		require.NoError(t, admin.Flush())
		time.Sleep(50 * time.Millisecond)
		write(100)
		_, err := admin.Receive()
		require.NoError(t, err)
		flush(t, s)
		requireExactSequence(t, want, streamJSON(t, admin, "zeek:conn"))
		t.Logf("attempt %d: redelivered %d, reconnects %d", attempt, s.Stats().Redelivered, s.Stats().Reconnects)
	}
	assert.Positive(t, s.Stats().Redelivered, "a batch applied after its reply timed out was resent and skipped")
}
