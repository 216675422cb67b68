package redistest

// Options says how the test server is configured. The zero value is a plain
// server with no password, no TLS and no persistence.
type Options struct {
	// Password becomes requirepass: the password of the "default" user.
	Password string
	// Users are extra ACL users, each written as an ACL "user" line.
	Users []User
	// TLS makes the server listen only on a TLS port (port 0, tls-port N)
	// with a server certificate signed by a CA generated for this server.
	TLS bool
	// AppendOnly turns on the append-only file with appendfsync always, so
	// that every write acknowledged to a client survives a SIGKILL.
	AppendOnly bool
	// Config holds extra redis.conf lines, written after all others.
	Config []string
}

// User is one ACL user.
type User struct {
	Name     string
	Password string
	// Rules are ACL rules such as "~zeek:* +@all"; empty means full access
	// ("~* &* +@all").
	Rules string
}
