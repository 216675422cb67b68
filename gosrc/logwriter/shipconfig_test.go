package logwriter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/coldstore"
)

func TestElasticsearchURLStartsAnEmbeddedShipperByDefault(t *testing.T) {
	cfg, err := ParseConfig("redis://127.0.0.1/0?prefix=z: elasticsearch=http://es:9200/es es-index-mode=datastream es-flush-interval=250ms es-consumer=sensor-1 es-close-timeout=3s")
	require.NoError(t, err)
	assert.Equal(t, ShipEmbedded, cfg.Ship)
	sc := cfg.Shipper
	assert.Equal(t, "http://es:9200/es", sc.ElasticsearchURL)
	assert.Equal(t, coldstore.IndexDataStream, sc.IndexMode)
	assert.Equal(t, 250*time.Millisecond, sc.FlushInterval)
	assert.Equal(t, "sensor-1", sc.Consumer)
	assert.Equal(t, "z:", sc.Redis.KeyPrefix, "the shipper reads the writer's streams")
	assert.Equal(t, cfg.Redis.ProtectGroup, sc.Group, "and ships as the group the writer protects")
	assert.Equal(t, 3*time.Second, cfg.ShipCloseTimeout)
	assert.Equal(t, coldstore.DefaultBatchMaxDocs, sc.BatchMaxDocs, "unset options keep cloudtap ship's defaults")
}

func TestShipExternalLeavesShippingToCloudtapShip(t *testing.T) {
	cfg, err := ParseConfig("elasticsearch=http://es:9200 ship=external")
	require.NoError(t, err)
	assert.Equal(t, ShipExternal, cfg.Ship)
	assert.Empty(t, cfg.Shipper.ElasticsearchURL, "no embedded shipper")
	assert.Equal(t, DefaultGroup, cfg.Redis.ProtectGroup, "the group is still protected")

	cfg, err = ParseConfig("")
	require.NoError(t, err)
	assert.Empty(t, cfg.Ship, "no Elasticsearch, no shipping")
}

func TestEmbeddedShipperCredentialsComeFromTheEnvironment(t *testing.T) {
	t.Setenv(coldstore.EnvAPIKey, "id:key")
	cfg, err := ParseConfig("elasticsearch=https://es:9200")
	require.NoError(t, err)
	assert.Equal(t, "id:key", cfg.Shipper.APIKey)
}

func TestShipperOptionErrorsNameTheWriterKey(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{"ship=sideways elasticsearch=http://es", `cloudtap: invalid config option ship="sideways": want embedded (a shipper in this process) or external (cloudtap ship processes)`},
		{"ship=embedded", `cloudtap: invalid config option ship="embedded": needs elasticsearch=URL`},
		{"es-index-mode=daily", `cloudtap: invalid config option es-index-mode="daily": needs elasticsearch=URL`},
		{"elasticsearch=http://es ship=external es-batch-size=5", `cloudtap: invalid config option es-batch-size="5": ship=external: give shipper options to cloudtap ship, not to the writer`},
		{"elasticsearch=http://es es-colour=red", `cloudtap: invalid config option es-colour="red": not a cold-tier option; known: backoff-max, backoff-min, batch-bytes, batch-size, ca-file, claim-idle, consumer, dead-letter-maxlen, discover-interval, drain-timeout, flush-interval, index-mode, index-prefix, namespace, request-timeout, tls-skip-verify, username`},
		{"elasticsearch=http://es es-batch-size=many", `cloudtap: invalid config option es-batch-size="many": want a whole number`},
		{"elasticsearch=http://es es-batch-size=0", `cloudtap: invalid config option es-batch-size="0": must be greater than zero`},
		{"elasticsearch=http://es es-index-mode=weekly", `cloudtap: invalid config option es-index-mode="weekly": want daily or datastream`},
		{"elasticsearch=http://es es-close-timeout=never", `cloudtap: invalid config option es-close-timeout="never": want a positive duration such as 500ms, 5s or 1m`},
		{"elasticsearch=http://es es-ca-file=/ca.pem", `cloudtap: invalid config option es-ca-file="/ca.pem": TLS options need an https:// Elasticsearch URL`},
	} {
		_, err := ParseConfig(tc.config)
		assert.EqualError(t, err, tc.want, tc.config)
	}
}
