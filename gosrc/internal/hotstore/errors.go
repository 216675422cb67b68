package hotstore

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed: the Writer or Stream was closed.
	ErrClosed = errors.New("hotstore: closed")
	// ErrBufferFull: records did not fit in the in-memory buffer within
	// the block timeout.
	ErrBufferFull = errors.New("buffer full")
	// ErrUndelivered: Close gave up on records Redis never acknowledged.
	ErrUndelivered = errors.New("not delivered before close")
)

// DropError reports records given up on: counted in Stats.Dropped, passed
// to Config.OnError and, from Write, returned. It wraps the reason
// (ErrBufferFull, ErrClosed or ErrUndelivered).
type DropError struct {
	Path    string // the log path
	Dropped int    // how many records
	Err     error  // why
	Detail  string // the state that made it happen, for the log
}

func (e *DropError) Error() string {
	msg := fmt.Sprintf("hotstore: DROPPED %d records of log path %q: %v", e.Dropped, e.Path, e.Err)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

func (e *DropError) Unwrap() error { return e.Err }
