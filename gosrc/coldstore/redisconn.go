package coldstore

import (
	"errors"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/hotstore"
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
	if cfg.Cluster {
		// The dead-letter script spans two slots (a path's stream and its
		// :dead stream) and discovery SCANs one node: refuse rather than
		// ship some paths and stall on the first dead letter.
		return nil, badOption("redis", "cluster=yes", "the shipper does not read from a Redis Cluster yet (gosrc/hotstore/README.md, Redis Cluster)")
	}
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
func (r *redisDialer) dial() (redis.Conn, error) {
	c, err := r.d.Dial()
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
