package hotstore

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/cloudtap/cloudtap/gosrc/internal/option"
)

// ParseURL reads a Config from
//
//	redis://[user:password@]host[:port][/db][?option=value&...]
//	rediss://...   (TLS)
//
// starting from DefaultConfig. The query options are the rows of Options
// (cloudtap options hotstore prints them).
//
// The first bad part gives an error naming it. Secrets are never echoed.
func ParseURL(raw string) (Config, error) {
	cfg := DefaultConfig()
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("hotstore: parse redis URL: %w", redactURLError(err))
	}
	switch u.Scheme {
	case "redis":
	case "rediss":
		cfg.TLS = true
	default:
		return Config{}, badOption("scheme", u.Scheme, "want redis:// or rediss://")
	}
	if u.Opaque != "" {
		return Config{}, badOption("url", "(redacted)", "want redis://host:port, with //")
	}
	if cfg.Addr, err = addrOf(u); err != nil {
		return Config{}, err
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
		if _, hasPassword := u.User.Password(); !hasPassword {
			// redis://secret@host is how redis-cli and redigo spell a bare
			// requirepass password.
			cfg.Username, cfg.Password = "", u.User.Username()
		}
	}
	if cfg.DB, err = dbOf(u.Path); err != nil {
		return Config{}, err
	}
	if err := applyQuery(&cfg, u.RawQuery); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// redactURLError drops the URL (which may hold a password) from url.Parse's
// error and keeps the reason.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func addrOf(u *url.URL) (string, error) {
	if u.Host == "" {
		return "", badOption("host", "", "the URL names no host")
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return "", badOption("host", u.Host, "the URL names no host")
	}
	if port == "" {
		if strings.HasSuffix(u.Host, ":") {
			return "", badOption("port", "", "empty port")
		}
		port = defaultPort
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", badOption("port", port, "want a number from 1 to 65535")
	}
	return net.JoinHostPort(host, port), nil
}

func dbOf(path string) (int, error) {
	p := strings.TrimPrefix(path, "/")
	if p == "" {
		return 0, nil
	}
	db, err := strconv.Atoi(p)
	if err != nil || db < 0 {
		return 0, badOption("db", p, "the URL path must be a database number such as /0")
	}
	return db, nil
}

// applyQuery sets each option of the URL query on cfg. An option given twice
// is an error, since silently taking one of them hides a mistake.
func applyQuery(cfg *Config, rawQuery string) error {
	pairs := option.Pairs{Component: component}
	if err := pairs.AddQuery(rawQuery); err != nil {
		return err
	}
	return option.Apply(Options, cfg, pairs.List)
}
