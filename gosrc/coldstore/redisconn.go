package coldstore

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/hotstore"
)

// redisDialer opens connections to the hot tier as its Config says. The
// TLS configuration is built once, so that a bad CA file is reported by
// New rather than at every reconnect.
type redisDialer struct {
	addr string
	opts []redis.DialOption
}

func newRedisDialer(cfg hotstore.Config) (*redisDialer, error) {
	opts := []redis.DialOption{
		redis.DialConnectTimeout(cfg.DialTimeout),
		redis.DialReadTimeout(cfg.IOTimeout),
		redis.DialWriteTimeout(cfg.IOTimeout),
		redis.DialClientName("cloudtap-shipper"),
	}
	if cfg.Username != "" {
		opts = append(opts, redis.DialUsername(cfg.Username))
	}
	if cfg.Password != "" {
		opts = append(opts, redis.DialPassword(cfg.Password))
	}
	if cfg.DB != 0 {
		opts = append(opts, redis.DialDatabase(cfg.DB))
	}
	if cfg.TLS {
		tc, err := redisTLSConfig(cfg)
		if err != nil {
			return nil, err
		}
		opts = append(opts, redis.DialUseTLS(true), redis.DialTLSConfig(tc))
	}
	return &redisDialer{addr: cfg.Addr, opts: opts}, nil
}

// dial connects. A server that answers the login (AUTH, SELECT) with an
// error is a configuration mistake, reported as a *fatalError; a server
// that cannot be reached is an outage, to wait out.
func (d *redisDialer) dial() (redis.Conn, error) {
	c, err := redis.Dial("tcp", d.addr, d.opts...)
	if err != nil {
		var reply redis.Error
		if errors.As(err, &reply) {
			return nil, &fatalError{fmt.Errorf("redis at %s refused the login: %w", d.addr, err)}
		}
		return nil, fmt.Errorf("connect to redis at %s: %w", d.addr, err)
	}
	return c, nil
}

func redisTLSConfig(cfg hotstore.Config) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.TLSSkipVerify}
	if host, _, err := net.SplitHostPort(cfg.Addr); err == nil {
		tc.ServerName = host
	}
	if cfg.TLSCAFile != "" {
		pem, err := os.ReadFile(cfg.TLSCAFile)
		if err != nil {
			return nil, badOption("redis", "tls-ca-file="+cfg.TLSCAFile, fmt.Sprintf("cannot read: %v", err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, badOption("redis", "tls-ca-file="+cfg.TLSCAFile, "holds no PEM certificate")
		}
		tc.RootCAs = pool
	}
	return tc, nil
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
