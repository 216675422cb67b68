package hotstore

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/gomodule/redigo/redis"
)

// Dialer opens connections to the Redis server a Config names: address,
// ACL user or password, database, TLS with an optional CA file, and the
// connect and I/O timeouts. It is the one way cloudtap connects to Redis:
// the hot tier's delivery, the writer's schema publisher and commands
// (logwriter), and the shipper (coldstore) all use it, each with its own
// client name so that CLIENT LIST tells them apart.
//
// The TLS configuration is built once, by NewDialer, so that a bad CA file
// is reported when the configuration is taken, not at every reconnect. A
// Dialer is immutable and safe for concurrent use.
type Dialer struct {
	addr string
	opts []redis.DialOption
}

// NewDialer checks the connection part of cfg and returns a Dialer whose
// connections call themselves clientName (CLIENT SETNAME; empty sets
// none). An unreadable CA file is an *OptionError naming tls-ca-file.
func NewDialer(cfg Config, clientName string) (*Dialer, error) {
	opts := []redis.DialOption{
		redis.DialConnectTimeout(cfg.DialTimeout),
		redis.DialReadTimeout(cfg.IOTimeout),
		redis.DialWriteTimeout(cfg.IOTimeout),
	}
	if clientName != "" {
		opts = append(opts, redis.DialClientName(clientName))
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
		tc, err := tlsConfig(&cfg)
		if err != nil {
			return nil, err
		}
		opts = append(opts, redis.DialUseTLS(true), redis.DialTLSConfig(tc))
	}
	return &Dialer{addr: cfg.Addr, opts: opts}, nil
}

// Addr is the host:port the Dialer connects to.
func (d *Dialer) Addr() string { return d.addr }

// Dial opens one connection; the caller closes it. Errors name the server
// address. A server that answers the login (AUTH, SELECT, CLIENT SETNAME)
// with an error gives an error that says "refused the login" and wraps the
// server's redis.Error, so that callers can tell a configuration mistake
// (errors.As(err, new(redis.Error))) from an outage to wait out.
func (d *Dialer) Dial() (redis.Conn, error) {
	c, err := redis.Dial("tcp", d.addr, d.opts...)
	if err != nil {
		var reply redis.Error
		if errors.As(err, &reply) {
			return nil, fmt.Errorf("redis at %s refused the login: %w", d.addr, err)
		}
		return nil, fmt.Errorf("connect to redis at %s: %w", d.addr, err)
	}
	return c, nil
}

func tlsConfig(cfg *Config) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.TLSSkipVerify}
	if host, _, err := net.SplitHostPort(cfg.Addr); err == nil {
		tc.ServerName = host
	}
	if cfg.TLSCAFile != "" {
		pem, err := os.ReadFile(cfg.TLSCAFile)
		if err != nil {
			return nil, badOption("tls-ca-file", cfg.TLSCAFile, fmt.Sprintf("cannot read: %v", err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, badOption("tls-ca-file", cfg.TLSCAFile, "holds no PEM certificate")
		}
		tc.RootCAs = pool
	}
	return tc, nil
}
