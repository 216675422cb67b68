package coldstore

import (
	"log/slog"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/repeatlimit"
)

// reporter hands recovered-from errors to Config.OnError, or logs them
// with slog, the same message at most once per interval with a count
// (package repeatlimit), so that a long outage does not flood the log.
type reporter struct {
	onError func(error)
	repeats *repeatlimit.Limiter
}

func newReporter(onError func(error)) *reporter {
	return &reporter{onError: onError, repeats: repeatlimit.New(repeatlimit.DefaultInterval)}
}

func (r *reporter) report(err error) {
	if r.onError != nil {
		r.onError(err)
		return
	}
	if msg, ok := r.repeats.Pass(err.Error(), time.Now()); ok {
		slog.Error(msg)
	}
}
