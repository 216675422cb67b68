package coldstore

import (
	"sort"
	"strconv"
	"time"
)

// SetOption sets one setting by the name of its `cloudtap ship` flag, from
// text. It lets a configuration string (the log writer's, see package
// logwriter) reach the same settings as the command's flags without a
// second table of names. Credentials, the URLs, paths and schemas are not
// options here: they have their own fields. Every value is checked again,
// with the rest, by Validate.
func (c *Config) SetOption(name, value string) error {
	set, ok := optionSetters[name]
	if !ok {
		return badOption(name, value, "not a cold-tier option; known: "+optionNames())
	}
	return set(c, name, value)
}

type optionSetter func(c *Config, name, value string) error

var optionSetters = map[string]optionSetter{
	"username":           func(c *Config, _, v string) error { c.Username = v; return nil },
	"ca-file":            func(c *Config, _, v string) error { c.CAFile = v; return nil },
	"tls-skip-verify":    boolOption(func(c *Config) *bool { return &c.TLSSkipVerify }),
	"consumer":           func(c *Config, _, v string) error { c.Consumer = v; return nil },
	"index-prefix":       func(c *Config, _, v string) error { c.IndexPrefix = v; return nil },
	"namespace":          func(c *Config, _, v string) error { c.Namespace = v; return nil },
	"index-mode":         setIndexMode,
	"batch-size":         intOption(func(c *Config) *int { return &c.BatchMaxDocs }),
	"batch-bytes":        intOption(func(c *Config) *int { return &c.BatchMaxBytes }),
	"dead-letter-maxlen": int64Option(func(c *Config) *int64 { return &c.DeadLetterMaxLen }),
	"flush-interval":     durationOption(func(c *Config) *time.Duration { return &c.FlushInterval }),
	"claim-idle":         durationOption(func(c *Config) *time.Duration { return &c.ClaimIdle }),
	"backoff-min":        durationOption(func(c *Config) *time.Duration { return &c.BackoffMin }),
	"backoff-max":        durationOption(func(c *Config) *time.Duration { return &c.BackoffMax }),
	"drain-timeout":      durationOption(func(c *Config) *time.Duration { return &c.DrainTimeout }),
	"discover-interval":  durationOption(func(c *Config) *time.Duration { return &c.DiscoverInterval }),
	"request-timeout":    durationOption(func(c *Config) *time.Duration { return &c.RequestTimeout }),
}

func optionNames() string {
	names := make([]string, 0, len(optionSetters))
	for n := range optionSetters {
		names = append(names, n)
	}
	sort.Strings(names)
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

func setIndexMode(c *Config, name, v string) error {
	m, err := ParseIndexMode(v)
	if err != nil {
		return badOption(name, v, err.Error())
	}
	c.IndexMode = m
	return nil
}

// parsedOption sets the field field picks from text read by parse;
// want says what a bad value should have been.
func parsedOption[T any](field func(*Config) *T, parse func(string) (T, error), want string) optionSetter {
	return func(c *Config, name, v string) error {
		x, err := parse(v)
		if err != nil {
			return badOption(name, v, want)
		}
		*field(c) = x
		return nil
	}
}

func boolOption(field func(*Config) *bool) optionSetter {
	return parsedOption(field, strconv.ParseBool, "want true or false")
}

func intOption(field func(*Config) *int) optionSetter {
	return parsedOption(field, strconv.Atoi, "want a whole number")
}

func int64Option(field func(*Config) *int64) optionSetter {
	parse := func(v string) (int64, error) { return strconv.ParseInt(v, 10, 64) }
	return parsedOption(field, parse, "want a whole number")
}

func durationOption(field func(*Config) *time.Duration) optionSetter {
	return parsedOption(field, time.ParseDuration, "want a duration such as 500ms, 5s or 1m")
}

// HasOption reports whether name is an option SetOption knows.
func HasOption(name string) bool {
	_, ok := optionSetters[name]
	return ok
}

// Environment variables for the Elasticsearch credentials, read by the
// commands and by a writer's embedded shipper. They are read from the
// environment only, so that they never show in a process list or a Zeek
// script.
const (
	EnvPassword = "CLOUDTAP_ELASTICSEARCH_PASSWORD"
	EnvAPIKey   = "CLOUDTAP_ELASTICSEARCH_API_KEY"
)
