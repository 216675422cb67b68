package logwriter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/hotstore"
)

func TestParseConfigForms(t *testing.T) {
	for _, tc := range []struct {
		name, config string
	}{
		{"url", "redis://10.0.0.5:7000/2?mode=list&maxlen=10&prefix=x:&close-timeout=2s"},
		{"pairs", "redis=redis://10.0.0.5:7000/2 mode=list maxlen=10 prefix=x: close-timeout=2s"},
		{"bare url and pairs", "  redis://10.0.0.5:7000/2?maxlen=10\tmode=list prefix=x:\nclose-timeout=2s "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig(tc.config)
			require.NoError(t, err)
			assert.Equal(t, "10.0.0.5:7000", cfg.Redis.Addr)
			assert.Equal(t, 2, cfg.Redis.DB)
			assert.Equal(t, hotstore.ModeList, cfg.Redis.Mode)
			assert.Equal(t, int64(10), cfg.Redis.MaxLen)
			assert.Equal(t, "x:", cfg.Redis.KeyPrefix)
			assert.Equal(t, 2*time.Second, cfg.CloseTimeout)
			assert.Empty(t, cfg.ElasticsearchURL)
			assert.Empty(t, cfg.Redis.ProtectGroup)
		})
	}
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig("")
	require.NoError(t, err)
	want := hotstore.DefaultConfig()
	assert.Equal(t, want.Addr, cfg.Redis.Addr)
	assert.Equal(t, want.Mode, cfg.Redis.Mode)
	assert.Equal(t, want.KeyPrefix, cfg.Redis.KeyPrefix)
	assert.Equal(t, want.BufferMaxRecords, cfg.Redis.BufferMaxRecords)
	assert.Equal(t, DefaultCloseTimeout, cfg.CloseTimeout)
}

func TestParseConfigColdTierProtectsItsGroup(t *testing.T) {
	cfg, err := ParseConfig("elasticsearch=https://elastic:pw@es.example:9200 redis://127.0.0.1:6379/0?maxlen=1000")
	require.NoError(t, err)
	assert.Equal(t, "https://elastic:pw@es.example:9200", cfg.ElasticsearchURL)
	assert.Equal(t, DefaultGroup, cfg.Redis.ProtectGroup)

	cfg, err = ParseConfig("redis://127.0.0.1/0?elasticsearch=http://es:9200&protect-group=shippers")
	require.NoError(t, err)
	assert.Equal(t, "http://es:9200", cfg.ElasticsearchURL)
	assert.Equal(t, "shippers", cfg.Redis.ProtectGroup)
}

func TestParseConfigErrorsNameOnePart(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{"http://nowhere", `hotstore: invalid option scheme="http": want redis:// or rediss://`},
		{"maxlen", `cloudtap: config: "maxlen" is neither key=value nor a redis:// URL`},
		{"=5", `cloudtap: config: "=5" is neither key=value nor a redis:// URL`},
		{"mode=sideways", `hotstore: invalid option mode="sideways": unknown mode "sideways" (want stream, list or pubsub)`},
		{"colour=red", `hotstore: invalid option colour="red": unknown option`},
		{"redis://h/0?maxlen=5 maxlen=6", `cloudtap: invalid config option maxlen="5": given more than once`},
		{"mode=list mode=list", `cloudtap: invalid config option mode="list": given more than once`},
		{"redis://a redis://b", `cloudtap: invalid config option redis="redis://b": given more than once`},
		{"redis=redis://h:99999", `hotstore: invalid option port="99999": want a number from 1 to 65535`},
		{"close-timeout=0s", `cloudtap: invalid config option close-timeout="0s": want a positive duration such as 500ms, 5s or 1m`},
		{"elasticsearch=ftp://es", `cloudtap: invalid config option elasticsearch="ftp://es": want an http:// or https:// URL`},
		{"elasticsearch=http://", `cloudtap: invalid config option elasticsearch="http:": the URL names no host`},
		{"elasticsearch=http://es mode=pubsub", `cloudtap: invalid config option elasticsearch="http://es": the cold tier reads Redis streams; mode=pubsub cannot feed it`},
		{"maxage=1h mode=list", `hotstore: invalid option maxage="1h0m0s": list entries carry no time; age retention needs stream mode`},
	} {
		_, err := ParseConfig(tc.config)
		assert.EqualError(t, err, tc.want, tc.config)
	}
}

func TestParseConfigNeverEchoesPasswords(t *testing.T) {
	for _, config := range []string{
		"redis=redis://zeek:s3cret@h:99999",
		"redsi://zeek:s3cret@h",
		"redis://zeek:s3cret@h/0 redis://zeek:s3cret@h/1",
		"elasticsearch=ftp://u:s3cret@es",
		"elasticsearch=http://u:s3cret@es mode=list",
		"zeek:s3cret@h",
	} {
		_, err := ParseConfig(config)
		require.Error(t, err, config)
		assert.NotContains(t, err.Error(), "s3cret", config)
	}
}

func TestConfigFromFlagFallsBackToTheEnvironment(t *testing.T) {
	t.Setenv(EnvRedisURL, "redis://10.0.0.9:6380/3 mode=list")
	cfg, err := ConfigFromFlag("")
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.9:6380", cfg.Redis.Addr)
	assert.Equal(t, hotstore.ModeList, cfg.Redis.Mode)

	cfg, err = ConfigFromFlag("redis://10.0.0.8/1")
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.8:6379", cfg.Redis.Addr, "the flag wins")
	assert.Equal(t, hotstore.ModeStream, cfg.Redis.Mode)

	t.Setenv(EnvRedisURL, "")
	cfg, err = ConfigFromFlag("")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:6379", cfg.Redis.Addr)
}
