package logwriter

import "github.com/cloudtap/cloudtap/gosrc/internal/reports"

// oneLineError shows an error (errors.Join puts each part on its own line)
// on one line: Zeek's reporter and the commands print one line per
// problem. Unwrap keeps errors.Is and errors.As working.
type oneLineError struct{ err error }

func (e oneLineError) Error() string { return reports.OneLine(e.err.Error()) }
func (e oneLineError) Unwrap() error { return e.err }

func oneLine(err error) error {
	if err == nil {
		return nil
	}
	return oneLineError{err}
}
