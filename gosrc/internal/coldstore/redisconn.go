package coldstore

import (
	"errors"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
)

// redisClientName is what the shipper's connections call themselves in
// CLIENT LIST.
const redisClientName = "cloudtap-shipper"

// redisDialer is the hot tier's hotstore.Dialer, with the shipper's client
// name and its view of failures: a login the server refuses is fatal, an
// unreachable server an outage to wait out.
type redisDialer struct {
	d *hotstore.Dialer
}

// newRedisDialer builds the dialer once, so that a bad CA file is reported
// by New (as an *OptionError naming the redis option) rather than at every
// reconnect.
func newRedisDialer(cfg hotstore.Config) (*redisDialer, error) {
	d, err := hotstore.NewDialer(cfg, redisClientName)
	if err != nil {
		var oe *hotstore.OptionError
		if errors.As(err, &oe) {
			return nil, badOption("redis", oe.Option+"="+oe.Value, oe.Reason)
		}
		return nil, err
	}
	return &redisDialer{d: d}, nil
}

// dial connects. A server that answers the login (AUTH, SELECT) with an
// error is a configuration mistake, reported as a *fatalError; a server
// that cannot be reached is an outage, to wait out.
func (r *redisDialer) dial() (redis.Conn, error) { return r.login(r.d.Dial()) }

// dialFor connects for the commands on one stream's keys: to the node of
// its slot in a cluster (hotstore.Dialer.DialFor).
func (r *redisDialer) dialFor(key string) (redis.Conn, error) { return r.login(r.d.DialFor(key)) }

// login tells a refused login (fatal) from an outage.
func (r *redisDialer) login(c redis.Conn, err error) (redis.Conn, error) {
	if err != nil {
		var reply redis.Error
		if errors.As(err, &reply) {
			return nil, &fatalError{err}
		}
		return nil, err
	}
	return c, nil
}

// fatalError is a failure no retry can fix (refused credentials, a
// template the cluster rejects): Run stops and returns it.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

func isFatal(err error) bool {
	var f *fatalError
	return errors.As(err, &f)
}
