package logwriter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/coldstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/option"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
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
	assert.Equal(t, rediskey.DefaultGroup, cfg.Redis.ProtectGroup)

	cfg, err = ParseConfig("redis://127.0.0.1/0?elasticsearch=http://es:9200&protect-group=shippers")
	require.NoError(t, err)
	assert.Equal(t, "http://es:9200", cfg.ElasticsearchURL)
	assert.Equal(t, "shippers", cfg.Redis.ProtectGroup)
}

func TestParseConfigErrorsNameOnePart(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{"http://nowhere", `cloudtap: hotstore: invalid option scheme="http": want redis:// or rediss://`},
		{"maxlen", `cloudtap: writer: "maxlen" is neither key=value nor a redis:// URL`},
		{"=5", `cloudtap: writer: "=5" is neither key=value nor a redis:// URL`},
		{"mode=sideways", `cloudtap: writer: invalid option mode="sideways": want stream, list or pubsub`},
		{"colour=red", `cloudtap: writer: invalid option colour="red": unknown option (cloudtap options lists them all)`},
		{"redis://h/0?maxlen=5 maxlen=6", `cloudtap: writer: invalid option maxlen="6": given more than once`},
		{"mode=list mode=list", `cloudtap: writer: invalid option mode="list": given more than once`},
		{"redis://a redis://b", `cloudtap: writer: invalid option redis="redis://b": given more than once`},
		{"redis=redis://h:99999", `cloudtap: hotstore: invalid option port="99999": want a number from 1 to 65535`},
		{"close-timeout=0s", `cloudtap: writer: invalid option close-timeout="0s": must be greater than zero`},
		{"elasticsearch=ftp://es", `cloudtap: writer: invalid option elasticsearch="ftp://es": want an http:// or https:// URL`},
		{"elasticsearch=http://", `cloudtap: writer: invalid option elasticsearch="http:": the URL names no host`},
		{"elasticsearch=http://es mode=pubsub", `cloudtap: writer: invalid option elasticsearch="http://es": the cold tier reads Redis streams; mode=pubsub cannot feed it`},
		{"maxage=1h mode=list", `cloudtap: hotstore: invalid option maxage="1h0m0s": list entries carry no time; age retention needs stream mode`},
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

func TestOptionTableIsSound(t *testing.T) {
	require.NoError(t, Options.SelfCheck())
}

func TestSizesTakeOneGrammarEverywhere(t *testing.T) {
	cfg, err := ParseConfig("redis://h/0?batch-max-bytes=1M buffer-max-bytes=64MiB elasticsearch=http://es:9200 es-batch-bytes=1M")
	require.NoError(t, err)
	assert.Equal(t, 1<<20, cfg.Redis.BatchMaxBytes)
	assert.EqualValues(t, 64<<20, cfg.Redis.BufferMaxBytes)
	assert.Equal(t, 1<<20, cfg.Shipper.BatchMaxBytes, "es-batch-bytes=1M was refused before the one grammar")
}

func TestFilterConfigOverridesKeepTheColdTier(t *testing.T) {
	base := "redis://a:6379/0?maxlen=1000 elasticsearch=http://es:9200 es-index-mode=datastream"
	cfg, err := ParseConfigWith(base, []option.Pair{{Key: "redis_url", Value: "redis://b:6380/2?prefix=other:"}})
	require.NoError(t, err)
	assert.Equal(t, "b:6380", cfg.Redis.Addr, "the filter's Redis")
	assert.Equal(t, 2, cfg.Redis.DB)
	assert.Equal(t, "other:", cfg.Redis.KeyPrefix, "the filter URL's own query")
	assert.EqualValues(t, 1000, cfg.Redis.MaxLen, "the base's options stay")
	assert.Equal(t, "http://es:9200", cfg.ElasticsearchURL, "a filter's redis_url used to lose the cold tier")
	assert.Equal(t, ShipEmbedded, cfg.Ship)
	assert.Equal(t, coldstore.IndexDataStream, cfg.Shipper.IndexMode)
	assert.Equal(t, "b:6380", cfg.Shipper.Redis.Addr, "the embedded shipper reads the filter's Redis")

	cfg, err = ParseConfigWith(base, []option.Pair{{Key: "es-format", Value: "ecs"}, {Key: "maxlen", Value: "5"}, {Key: "close-timeout", Value: "1s"}})
	require.NoError(t, err)
	assert.Equal(t, coldstore.FormatECS, cfg.Shipper.Format, "every key works in $config, not only redis_url")
	assert.EqualValues(t, 5, cfg.Redis.MaxLen, "an override replaces the base's value")
	assert.Equal(t, time.Second, cfg.CloseTimeout)

	_, err = ParseConfigWith(base, []option.Pair{{Key: "es-formt", Value: "ecs"}})
	var oe *option.Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "es-formt", oe.Option)
	assert.Equal(t, "unknown option; did you mean es-format?", oe.Reason)

	_, err = ParseConfigWith(base, []option.Pair{{Key: "maxlen", Value: "5"}, {Key: "maxlen", Value: "6"}})
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "given more than once", oe.Reason)
}

func TestShipperConfigKeepsTheColdTierOptions(t *testing.T) {
	cfg, err := ParseReaderConfig("redis://h/0 es-index-mode=datastream es-batch-bytes=2M ship=external")
	require.NoError(t, err, "a cloudtap ship may take its Elasticsearch URL from --elasticsearch")
	assert.Equal(t, []option.Pair{{Key: "index-mode", Value: "datastream"}, {Key: "batch-bytes", Value: "2M"}}, cfg.ShipperOptions)

	_, err = ParseConfig("redis://h/0 es-index-mode=datastream")
	assert.ErrorContains(t, err, "needs elasticsearch=URL", "a writer without a cold tier still refuses them")
}
