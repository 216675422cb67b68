package logwriter

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/hotstore"
)

// Dial opens one Redis connection as cfg says (address, user, password,
// database, TLS, timeouts), for work beside the hot tier's own delivery:
// publishing schemas, and the commands that read logs back. hotstore's
// dialer does the same but is not exported.
func Dial(cfg hotstore.Config) (redis.Conn, error) {
	opts := []redis.DialOption{
		redis.DialConnectTimeout(cfg.DialTimeout),
		redis.DialReadTimeout(cfg.IOTimeout),
		redis.DialWriteTimeout(cfg.IOTimeout),
		redis.DialClientName("cloudtap"),
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
	c, err := redis.Dial("tcp", cfg.Addr, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to redis at %s: %w", cfg.Addr, err)
	}
	return c, nil
}

func tlsConfig(cfg hotstore.Config) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.TLSSkipVerify}
	if host, _, err := net.SplitHostPort(cfg.Addr); err == nil {
		tc.ServerName = host
	}
	if cfg.TLSCAFile != "" {
		pem, err := os.ReadFile(cfg.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("tls-ca-file %s: %w", cfg.TLSCAFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls-ca-file %s holds no PEM certificate", cfg.TLSCAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}
