package main

import (
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// stopper turns SIGINT/SIGTERM into a flag the capture loop checks between
// batches, so that an interrupted capture still closes its file properly.
type stopper struct{ flag atomic.Bool }

func notifyStop() *stopper {
	s := &stopper{}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ch
		s.flag.Store(true)
	}()
	return s
}

func (s *stopper) stopped() bool { return s.flag.Load() }

// pollInterval bounds each sleep so a signal is noticed promptly.
func (s *stopper) pollInterval() time.Duration { return 200 * time.Millisecond }
