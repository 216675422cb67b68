package hotstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseURLReadsEveryPart(t *testing.T) {
	cfg, err := ParseURL("rediss://zeek:p%40ss@redis.example:6380/2?prefix=s1:&mode=stream" +
		"&maxlen=500000&maxage=36h&protect-group=cold&tls-ca-file=/ca.pem&buffer-max-records=10" +
		"&buffer-max-bytes=64M&block-timeout=250ms&batch-max-records=200&batch-max-bytes=512k" +
		"&dial-timeout=1s&io-timeout=2s&backoff-min=10ms&backoff-max=3s")
	require.NoError(t, err)
	want := DefaultConfig()
	want.Addr = "redis.example:6380"
	want.Username, want.Password, want.DB = "zeek", "p@ss", 2
	want.TLS, want.TLSCAFile = true, "/ca.pem"
	want.KeyPrefix, want.Mode = "s1:", ModeStream
	want.MaxLen, want.MaxAge, want.ProtectGroup = 500000, 36*time.Hour, "cold"
	want.BufferMaxRecords, want.BufferMaxBytes, want.BlockTimeout = 10, 64<<20, 250*time.Millisecond
	want.BatchMaxRecords, want.BatchMaxBytes = 200, 512<<10
	want.DialTimeout, want.IOTimeout = time.Second, 2*time.Second
	want.BackoffMin, want.BackoffMax = 10*time.Millisecond, 3*time.Second
	assert.Equal(t, want, cfg)
}

func TestParseURLDefaults(t *testing.T) {
	cfg, err := ParseURL("redis://localhost")
	require.NoError(t, err)
	want := DefaultConfig()
	want.Addr = "localhost:6379"
	assert.Equal(t, want, cfg)
	assert.Equal(t, "zeek:", cfg.KeyPrefix)
	assert.Equal(t, ModeStream, cfg.Mode)
}

func TestParseURLPasswordForms(t *testing.T) {
	for raw, want := range map[string][2]string{
		"redis://:pw@h:1":      {"", "pw"}, // requirepass, blank user
		"redis://pw@h:1":       {"", "pw"}, // redis-cli's bare password
		"redis://alice:pw@h:1": {"alice", "pw"},
		"redis://h:1":          {"", ""},
	} {
		cfg, err := ParseURL(raw)
		require.NoError(t, err, raw)
		assert.Equal(t, want, [2]string{cfg.Username, cfg.Password}, raw)
	}
}

func TestParseURLListAndPubSub(t *testing.T) {
	cfg, err := ParseURL("redis://h:1?mode=list&maxlen=10")
	require.NoError(t, err)
	assert.Equal(t, ModeList, cfg.Mode)
	cfg, err = ParseURL("redis://h:1?mode=pubsub")
	require.NoError(t, err)
	assert.Equal(t, ModePubSub, cfg.Mode)
}

// Every bad URL gives one *OptionError naming the part that is wrong.
func TestParseURLNamesTheBadOption(t *testing.T) {
	for raw, option := range map[string]string{
		"http://h:1":                                "scheme",
		"redis:h:1":                                 "url",
		"redis://":                                  "host",
		"redis://:pw@:6379":                         "host",
		"redis://h:notaport":                        "",
		"redis://h:70000":                           "port",
		"redis://h:1/x":                             "db",
		"redis://h:1/-1":                            "db",
		"redis://h:1?nosuch=1":                      "nosuch",
		"redis://h:1?mode=kafka":                    "mode",
		"redis://h:1?maxlen=ten":                    "maxlen",
		"redis://h:1?maxlen=-5":                     "maxlen",
		"redis://h:1?maxage=soon":                   "maxage",
		"redis://h:1?maxage=500us":                  "maxage",
		"redis://h:1?mode=list&maxage=1h":           "maxage",
		"redis://h:1?mode=pubsub&maxlen=10":         "maxlen",
		"redis://h:1?mode=list&protect-group=cold":  "protect-group",
		"redis://h:1?prefix=a%7Bb":                  "prefix",
		"redis://h:1?prefix=a%20b":                  "prefix",
		"redis://h:1?tls-ca-file=/ca.pem":           "tls-ca-file",
		"redis://h:1?tls-skip-verify=true":          "tls-skip-verify",
		"rediss://h:1?tls-skip-verify=maybe":        "tls-skip-verify",
		"redis://h:1?buffer-max-records=0":          "buffer-max-records",
		"redis://h:1?buffer-max-bytes=lots":         "buffer-max-bytes",
		"redis://h:1?block-timeout=-1s":             "block-timeout",
		"redis://h:1?batch-max-records=1000000":     "batch-max-records",
		"redis://h:1?backoff-min=2s&backoff-max=1s": "backoff-max",
		"redis://h:1?maxlen=1&maxlen=2":             "maxlen",
	} {
		_, err := ParseURL(raw)
		require.Error(t, err, raw)
		if option == "" {
			// net/url rejects it before any part can be named.
			assert.ErrorContains(t, err, "parse redis URL", raw)
			continue
		}
		var oe *OptionError
		require.ErrorAs(t, err, &oe, "%s: %v", raw, err)
		assert.Equal(t, option, oe.Option, "%s: %v", raw, err)
	}
}

func TestParseURLNeverEchoesThePassword(t *testing.T) {
	for _, raw := range []string{"redis://u:topsecret@h:notaport", "redis://u:topsecret@h:1?x=1"} {
		_, err := ParseURL(raw)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "topsecret")
	}
}

func TestNewRejectsAnInvalidConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BatchMaxBytes = 0
	_, err := New(cfg)
	var oe *OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "batch-max-bytes", oe.Option)

	_, err = New(Config{})
	require.ErrorAs(t, err, &oe, "the zero Config is not usable; start from DefaultConfig")
}
