package hotstore

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/gomodule/redigo/redis"
	"github.com/mna/redisc"
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
//
// With Config.Cluster, the Dialer also knows the cluster's slot map (see
// cluster.go): Dial then returns a connection that routes each command to
// the node serving its key.
type Dialer struct {
	addr    string
	opts    []redis.DialOption
	cluster *clusterMap // nil for a single server
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
	d := &Dialer{addr: cfg.Addr, opts: opts}
	if cfg.Cluster {
		d.cluster = newClusterMap(append([]string{cfg.Addr}, cfg.ClusterNodes...), opts)
	}
	return d, nil
}

// Addr is the host:port the Dialer connects to: the server, or the first
// cluster node it learns the slot map from.
func (d *Dialer) Addr() string { return d.addr }

// Cluster reports whether the Dialer connects to a Redis Cluster.
func (d *Dialer) Cluster() bool { return d.cluster != nil }

// Dial opens one connection; the caller closes it. Errors name the server
// address. A server that answers the login (AUTH, SELECT, CLIENT SETNAME)
// with an error gives an error that says "refused the login" and wraps the
// server's redis.Error, so that callers can tell a configuration mistake
// (errors.As(err, new(redis.Error))) from an outage to wait out.
//
// For a cluster, Dial reads the slot map and returns a connection that
// sends each command (Do) to the node serving the command's key,
// following MOVED and ASK redirects, and refuses commands that would see
// one node's keys only (SCAN, KEYS). Send, Flush and Receive (pipelines,
// pub/sub) stay on the node the first Send chose.
func (d *Dialer) Dial() (redis.Conn, error) { return d.DialContext(context.Background()) }

// DialContext is Dial, with ctx ending the connect and login at once on a
// single server (a cluster's slot map is read within the I/O timeout).
func (d *Dialer) DialContext(ctx context.Context) (redis.Conn, error) {
	if d.cluster != nil {
		return d.cluster.routed()
	}
	return d.dialAddrContext(ctx, d.addr)
}

// dialAddr connects to one server or cluster node.
func (d *Dialer) dialAddr(addr string) (redis.Conn, error) {
	return d.dialAddrContext(context.Background(), addr)
}

// dialAddrContext connects to one server or cluster node; ending ctx ends
// the connect and the login (AUTH, SELECT, CLIENT SETNAME) at once, where
// a server that never answers would hold them for the I/O timeout.
func (d *Dialer) dialAddrContext(ctx context.Context, addr string) (redis.Conn, error) {
	c, err := redis.DialContext(ctx, "tcp", addr, d.opts...)
	if err != nil {
		var reply redis.Error
		if errors.As(err, &reply) {
			return nil, fmt.Errorf("redis at %s refused the login: %w", addr, err)
		}
		return nil, fmt.Errorf("connect to redis at %s: %w", addr, err)
	}
	return c, nil
}

// DialFor opens a connection to the server, or to the cluster node that
// serves key's slot (the slot map read again now): a plain connection,
// for commands on key and keys that share its hash tag, with every
// feature of a redigo connection (DoContext). After a failover its
// commands are answered MOVED: close it and dial again.
func (d *Dialer) DialFor(key string) (redis.Conn, error) {
	return d.dialFor(context.Background(), key, nil)
}

// dialFor opens the connection that delivers to key, a connection every
// command of which concerns key's slot. For a single server that is Dial.
// In a cluster it is the node a redirect named, else the node the slot map
// (read again now, since a reconnect may follow a failover) names; after
// an ASK redirect every command is sent with ASKING before it.
func (d *Dialer) dialFor(ctx context.Context, key string, redirect *redisc.RedirError) (redis.Conn, error) {
	if d.cluster == nil {
		return d.dialAddrContext(ctx, d.addr)
	}
	if redirect != nil {
		c, err := d.dialAddrContext(ctx, redirect.Addr)
		if err != nil || redirect.Type != "ASK" {
			return c, err
		}
		return askingConn{c}, nil
	}
	addr, err := d.cluster.nodeFor(key)
	if err != nil {
		return nil, err
	}
	return d.dialAddrContext(ctx, addr)
}

func tlsConfig(cfg *Config) (*tls.Config, error) {
	// No ServerName: redigo takes it from the address of each connection,
	// which in a cluster is a different node each time.
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.TLSSkipVerify}
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
