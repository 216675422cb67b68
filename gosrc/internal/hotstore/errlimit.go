package hotstore

import (
	"errors"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/repeatlimit"
)

// errLimiter keeps the default error log readable during an outage
// (package repeatlimit). Drops are losses and always pass.
type errLimiter struct {
	repeats *repeatlimit.Limiter
	now     func() time.Time
}

func newErrLimiter(interval time.Duration) *errLimiter {
	return &errLimiter{repeats: repeatlimit.New(interval), now: time.Now}
}

// pass says whether err should be logged now, and with what text.
func (l *errLimiter) pass(err error) (string, bool) {
	var drop *DropError
	if errors.As(err, &drop) {
		return err.Error(), true
	}
	return l.repeats.Pass(err.Error(), l.now())
}
