package backoff

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestWaitsDoubleWithinBounds(t *testing.T) {
	b := New(100*time.Millisecond, time.Second)
	nominal := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, n := range nominal {
		n *= time.Millisecond
		d := b.Wait()
		assert.LessOrEqual(t, d, n, "wait %d", i)
		assert.GreaterOrEqual(t, d, max(n*3/4, 100*time.Millisecond), "wait %d: at most 25%% jitter, never below min", i)
	}
	b.Reset()
	assert.LessOrEqual(t, b.Wait(), 100*time.Millisecond)
}

func TestSleepEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.False(t, Sleep(ctx, time.Hour))
	assert.True(t, Sleep(context.Background(), time.Millisecond))
}
