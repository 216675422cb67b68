package main

import (
	"flag"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/coldstore"
)

// shipConfig reads ship's configuration as the command does, from args,
// the environment and a configuration file, without running it.
func shipConfig(t *testing.T, args ...string) (coldstore.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("ship", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := newShipFlags(fs)
	configFile := fs.String("config", "", "")
	require.NoError(t, fs.Parse(args))
	from := &origins{}
	require.NoError(t, applyConfiguration(fs, "ship", *configFile, io.Discard, from))
	return f.config(from.where)
}

func TestShipTakesColdTierOptionsFromEverySource(t *testing.T) {
	t.Setenv(envConfig, "")
	t.Setenv(envElasticsearchURL, "")
	t.Setenv("CLOUDTAP_REDIS_URL", "")

	// In --redis, as Zeek's writer takes them: they used to be ignored.
	cfg, err := shipConfig(t, "--redis", "redis://h:6379/0 elasticsearch=http://es:9200 es-index-mode=datastream es-batch-bytes=2M ship=external")
	require.NoError(t, err)
	assert.Equal(t, coldstore.IndexDataStream, cfg.IndexMode)
	assert.Equal(t, 2<<20, cfg.BatchMaxBytes)
	assert.Equal(t, "http://es:9200", cfg.ElasticsearchURL)

	// In the environment's configuration.
	t.Setenv("CLOUDTAP_REDIS_URL", "redis://h:6379/0 es-format=ecs es-flush-interval=250ms")
	cfg, err = shipConfig(t, "--elasticsearch", "http://es:9200")
	require.NoError(t, err)
	assert.Equal(t, coldstore.FormatECS, cfg.Format)
	assert.Equal(t, 250*time.Millisecond, cfg.FlushInterval)

	// A flag wins over a word of --redis.
	cfg, err = shipConfig(t, "--elasticsearch", "http://es:9200", "--format", "zeek")
	require.NoError(t, err)
	assert.Equal(t, coldstore.FormatZeek, cfg.Format)
	assert.Equal(t, 250*time.Millisecond, cfg.FlushInterval)

	// In the file, as a flag's key and inside the redis key.
	t.Setenv("CLOUDTAP_REDIS_URL", "")
	conf := writeConfig(t, "redis = redis://h:6379/0 es-namespace=prod\nelasticsearch = http://es:9200\n[ship]\nbatch-bytes = 1M\nindex-mode = datastream\n")
	cfg, err = shipConfig(t, "--config", conf)
	require.NoError(t, err)
	assert.Equal(t, "prod", cfg.Namespace)
	assert.Equal(t, 1<<20, cfg.BatchMaxBytes, "sizes take the one grammar in the file too")
	assert.Equal(t, coldstore.IndexDataStream, cfg.IndexMode)
}

func TestShipRefusesAnUnknownColdTierWord(t *testing.T) {
	t.Setenv(envConfig, "")
	t.Setenv("CLOUDTAP_REDIS_URL", "")
	_, err := shipConfig(t, "--redis", "redis://h:6379/0 es-index-mod=datastream", "--elasticsearch", "http://es:9200")
	require.Error(t, err)
	assert.Equal(t, `--redis: cloudtap: writer: invalid option es-index-mod="datastream": unknown option; did you mean es-index-mode?`, err.Error())
}
