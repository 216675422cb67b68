package coldstore

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

func validConfig() Config {
	cfg := DefaultConfig()
	cfg.ElasticsearchURL = "https://elastic:secret@es.example:9200"
	cfg.Consumer = "sensor-1"
	return cfg
}

func TestDefaultConfigNeedsOnlyURLAndConsumer(t *testing.T) {
	cfg := validConfig()
	require.NoError(t, cfg.Validate())
	assert.Equal(t, "cloudtap", cfg.Group)
	assert.Equal(t, IndexDaily, cfg.IndexMode)
	_, err := New(cfg)
	assert.NoError(t, err, "New contacts nothing")
}

// Every bad setting is named, by its cloudtap ship flag, in one error; a
// password in a URL is never echoed.
func TestBadConfigNamesTheOption(t *testing.T) {
	cases := []struct {
		option  string
		breakIt func(*Config)
	}{
		{"elasticsearch", func(c *Config) { c.ElasticsearchURL = "" }},
		{"elasticsearch", func(c *Config) { c.ElasticsearchURL = "ftp://elastic:secret@h" }},
		{"elasticsearch", func(c *Config) { c.ElasticsearchURL = "http://elastic:secret@h:9200?x=1" }},
		{"api-key", func(c *Config) { c.APIKey = "id:key" }},
		{"ca-file", func(c *Config) { c.ElasticsearchURL = "http://h:9200"; c.CAFile = "/ca.pem" }},
		{"request-timeout", func(c *Config) { c.RequestTimeout = 0 }},
		{"index-mode", func(c *Config) { c.IndexMode = "weekly" }},
		{"index-prefix", func(c *Config) { c.IndexPrefix = "Zeek" }},
		{"namespace", func(c *Config) { c.Namespace = "my-ns" }},
		{"group", func(c *Config) { c.Group = "" }},
		{"consumer", func(c *Config) { c.Consumer = "a b" }},
		{"paths", func(c *Config) { c.Paths = []string{"conn", "Conn"} }},
		{"paths", func(c *Config) { c.Paths = []string{"conn", "conn"} }},
		{"schema", func(c *Config) { c.Schemas = map[string]zeekschema.Schema{"conn": {{Name: "ts", Type: "timestamp"}}} }},
		{"batch-size", func(c *Config) { c.BatchMaxDocs = 0 }},
		{"batch-bytes", func(c *Config) { c.BatchMaxBytes = -1 }},
		{"flush-interval", func(c *Config) { c.FlushInterval = 0 }},
		{"claim-idle", func(c *Config) { c.ClaimIdle = time.Second; c.FlushInterval = time.Second }},
		{"backoff-max", func(c *Config) { c.BackoffMax = time.Millisecond }},
		{"drain-timeout", func(c *Config) { c.DrainTimeout = 0 }},
		{"dead-letter-maxlen", func(c *Config) { c.DeadLetterMaxLen = -1 }},
		{"discover-interval", func(c *Config) { c.DiscoverInterval = 0 }},
		{"redis", func(c *Config) { c.Redis.Mode = hotstore.ModeList }},
	}
	for _, c := range cases {
		option := c.option
		cfg := validConfig()
		c.breakIt(&cfg)
		err := cfg.Validate()
		var oe *OptionError
		require.True(t, errors.As(err, &oe), "%s: got %v", option, err)
		assert.Equal(t, option, oe.Option, "%s: %v", option, err)
		assert.NotContains(t, err.Error(), "secret", option)
	}
}

func TestNewRefusesAnUnreadableCAFile(t *testing.T) {
	cfg := validConfig()
	cfg.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	_, err := New(cfg)
	assert.ErrorContains(t, err, "ca-file")

	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))
	cfg.CAFile = notPEM
	_, err = New(cfg)
	assert.ErrorContains(t, err, "holds no PEM certificate")
}

func TestLoadSchemaFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	byPath := write("all.json", `{"conn":[{"name":"ts","type":"time"},{"name":"id.orig_h","type":"addr"}],
		"dns":[{"name":"ts","type":"time"},{"name":"query","type":"string"}]}`)
	got, err := LoadSchemaFile(byPath, nil)
	require.NoError(t, err)
	assert.Equal(t, zeekschema.Schema{{Name: "ts", Type: "time"}, {Name: "id.orig_h", Type: "addr"}}, got["conn"])
	assert.Len(t, got, 2)

	one := write("conn.json", `[{"name":"ts","type":"time"}]`)
	got, err = LoadSchemaFile(one, []string{"conn"})
	require.NoError(t, err)
	assert.Equal(t, zeekschema.Schema{{Name: "ts", Type: "time"}}, got["conn"])
	_, err = LoadSchemaFile(one, []string{"conn", "dns"})
	assert.ErrorContains(t, err, "exactly one path")

	tsv := write("conn.log", "#separator \\x09\n#path\tconn\n#fields\tts\tuid\n#types\ttime\tstring\n1700000000.1\tC1\n")
	got, err = LoadSchemaFile(tsv, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]zeekschema.Schema{"conn": {{Name: "ts", Type: "time"}, {Name: "uid", Type: "string"}}}, got)

	_, err = LoadSchemaFile(write("bad.json", `{"conn":[{"name":"ts","type":"clock"}]}`), nil)
	assert.ErrorContains(t, err, `"clock" is not a Zeek type`)
	_, err = LoadSchemaFile(write("junk.json", `ts time`), nil)
	assert.ErrorContains(t, err, "want a JSON object")
	_, err = LoadSchemaFile(filepath.Join(dir, "none.json"), nil)
	assert.ErrorContains(t, err, "schema file")
}
