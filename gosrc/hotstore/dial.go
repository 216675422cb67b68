package hotstore

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"

	"github.com/gomodule/redigo/redis"
)

// dialer opens connections as the Config says. The TLS configuration is
// built once, so a bad CA file is reported by New, not at every reconnect.
type dialer struct {
	addr string
	opts []redis.DialOption
}

func newDialer(cfg *Config) (*dialer, error) {
	opts := []redis.DialOption{
		redis.DialConnectTimeout(cfg.DialTimeout),
		redis.DialReadTimeout(cfg.IOTimeout),
		redis.DialWriteTimeout(cfg.IOTimeout),
		redis.DialClientName("cloudtap-hotstore"),
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
		tc, err := tlsConfig(cfg)
		if err != nil {
			return nil, err
		}
		opts = append(opts, redis.DialUseTLS(true), redis.DialTLSConfig(tc))
	}
	return &dialer{addr: cfg.Addr, opts: opts}, nil
}

func (d *dialer) dial() (redis.Conn, error) {
	c, err := redis.Dial("tcp", d.addr, d.opts...)
	if err != nil {
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
