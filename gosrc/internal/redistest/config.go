package redistest

import (
	"fmt"
	"strings"

	"github.com/cloudtap/cloudtap/gosrc/internal/tlstest"
)

// redisConf renders the redis.conf for a server. Persistence is off unless
// opts.AppendOnly asks for it, so a plain server leaves nothing behind and a
// restart starts empty; "save" is always off because RDB snapshots would only
// slow tests down.
func redisConf(opts Options, dir string, port int, tls *tlstest.Files) string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }

	line("bind 127.0.0.1")
	line("daemonize no")
	line("dir %q", dir)
	line("logfile %q", "redis.log")
	line("save \"\"")
	if tls != nil {
		line("port 0")
		line("tls-port %d", port)
		line("tls-cert-file %q", tls.CertFile)
		line("tls-key-file %q", tls.KeyFile)
		line("tls-ca-cert-file %q", tls.CAFile)
		// Clients prove nothing with certificates here; the CA only lets
		// them verify the server.
		line("tls-auth-clients no")
	} else {
		line("port %d", port)
	}
	if opts.Password != "" {
		line("requirepass %q", opts.Password)
	}
	for _, u := range opts.Users {
		rules := u.Rules
		if rules == "" {
			rules = "~* &* +@all"
		}
		line("user %s on >%s %s", u.Name, u.Password, rules)
	}
	if opts.AppendOnly {
		line("appendonly yes")
		line("appendfsync always")
		// Refuse a torn file rather than keep half a transaction in it;
		// Restart repairs it (aofrepair.go says why).
		line("aof-load-truncated no")
	}
	for _, extra := range opts.Config {
		line("%s", extra)
	}
	return b.String()
}
