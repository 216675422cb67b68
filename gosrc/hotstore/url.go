package hotstore

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ParseURL reads a Config from
//
//	redis://[user:password@]host[:port][/db][?option=value&...]
//	rediss://...   (TLS)
//
// starting from DefaultConfig. Options (all optional):
//
//	prefix=zeek:            key / channel prefix
//	mode=stream|list|pubsub
//	maxlen=N                retention by count (stream ~N, list exact N)
//	maxage=24h              retention by age (stream only; Go duration)
//	protect-group=NAME      never trim what consumer group NAME has not acked
//	cluster=yes             the host is a node of a Redis Cluster
//	cluster-nodes=H:P,H:P   more cluster nodes to learn the slot map from
//	tls-ca-file=PATH        CA bundle for rediss://
//	tls-skip-verify=true    accept any server certificate (rediss:// only)
//	buffer-max-records=N    in-memory buffer bound, records
//	buffer-max-bytes=N      in-memory buffer bound, bytes (suffix k, M, G: 64M)
//	block-timeout=100ms     longest Write waits for buffer space
//	batch-max-records=N     records per delivery round trip
//	batch-max-bytes=N       bytes per delivery round trip (suffix k, M, G)
//	dial-timeout=5s, io-timeout=10s, backoff-min=50ms, backoff-max=5s
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
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return badOption("query", rawQuery, err.Error())
	}
	for name, values := range q {
		if len(values) != 1 {
			return badOption(name, strings.Join(values, ","), "given more than once")
		}
		set, ok := optionSetters[name]
		if !ok {
			return badOption(name, values[0], "unknown option")
		}
		if err := set(cfg, values[0]); err != nil {
			return badOption(name, values[0], err.Error())
		}
	}
	return nil
}

// optionSetters maps each URL query option to the code that parses it into
// a Config. It is read-only.
var optionSetters = map[string]func(*Config, string) error{
	"prefix":             func(c *Config, v string) error { c.KeyPrefix = v; return nil },
	"mode":               func(c *Config, v string) (err error) { c.Mode, err = ParseMode(v); return },
	"maxlen":             func(c *Config, v string) (err error) { c.MaxLen, err = parseCount(v); return },
	"maxage":             func(c *Config, v string) (err error) { c.MaxAge, err = parseDuration(v); return },
	"protect-group":      func(c *Config, v string) error { c.ProtectGroup = v; return nil },
	"cluster":            func(c *Config, v string) (err error) { c.Cluster, err = parseYesNo(v); return },
	"cluster-nodes":      func(c *Config, v string) error { c.ClusterNodes = splitList(v); return nil },
	"tls-ca-file":        func(c *Config, v string) error { c.TLSCAFile = v; return nil },
	"tls-skip-verify":    func(c *Config, v string) (err error) { c.TLSSkipVerify, err = parseBool(v); return },
	"buffer-max-records": func(c *Config, v string) error { return setInt(&c.BufferMaxRecords, v) },
	"buffer-max-bytes":   func(c *Config, v string) (err error) { c.BufferMaxBytes, err = parseBytes(v); return },
	"block-timeout":      func(c *Config, v string) (err error) { c.BlockTimeout, err = parseDuration(v); return },
	"batch-max-records":  func(c *Config, v string) error { return setInt(&c.BatchMaxRecords, v) },
	"batch-max-bytes": func(c *Config, v string) error {
		n, err := parseBytes(v)
		c.BatchMaxBytes = int(n)
		return err
	},
	"dial-timeout": func(c *Config, v string) (err error) { c.DialTimeout, err = parseDuration(v); return },
	"io-timeout":   func(c *Config, v string) (err error) { c.IOTimeout, err = parseDuration(v); return },
	"backoff-min":  func(c *Config, v string) (err error) { c.BackoffMin, err = parseDuration(v); return },
	"backoff-max":  func(c *Config, v string) (err error) { c.BackoffMax, err = parseDuration(v); return },
}

func parseCount(v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want a whole number")
	}
	return n, nil
}

func setInt(dst *int, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("want a whole number")
	}
	*dst = n
	return nil
}

func parseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("want a duration such as 500ms, 30s or 24h")
	}
	return d, nil
}

func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("want true or false")
	}
	return b, nil
}

// parseYesNo reads yes/no as well as what parseBool takes.
func parseYesNo(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes", "on":
		return true, nil
	case "no", "off":
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("want yes or no")
	}
	return b, nil
}

// splitList reads a comma-separated list, ignoring empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// parseBytes reads a byte count with an optional binary suffix k, M or G
// (also KiB, MiB, GiB).
func parseBytes(v string) (int64, error) {
	mult := int64(1)
	num := v
	for _, s := range []struct {
		suffixes []string
		mult     int64
	}{
		{[]string{"KiB", "k", "K"}, 1 << 10},
		{[]string{"MiB", "M"}, 1 << 20},
		{[]string{"GiB", "G"}, 1 << 30},
	} {
		for _, suf := range s.suffixes {
			if strings.HasSuffix(v, suf) {
				num, mult = strings.TrimSuffix(v, suf), s.mult
			}
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want a byte count such as 1048576, 512k, 64M or 1G")
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("too large")
	}
	return n * mult, nil
}
