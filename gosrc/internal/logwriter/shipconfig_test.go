package logwriter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/coldstore"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
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
	assert.Equal(t, rediskey.DefaultGroup, cfg.Redis.ProtectGroup, "the group is still protected")

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
		{"ship=sideways elasticsearch=http://es", `cloudtap: writer: invalid option ship="sideways": want embedded or external`},
		{"ship=embedded", `cloudtap: writer: invalid option ship="embedded": needs elasticsearch=URL`},
		{"es-index-mode=daily", `cloudtap: writer: invalid option es-index-mode="daily": needs elasticsearch=URL`},
		{"elasticsearch=http://es ship=external es-batch-size=5", `cloudtap: writer: invalid option es-batch-size="5": ship=external: give shipper options to cloudtap ship, not to the writer`},
		{"elasticsearch=http://es es-colour=red", `cloudtap: writer: invalid option es-colour="red": unknown option; known: es-backoff-max, es-backoff-min, es-batch-bytes, es-batch-size, es-ca-file, es-claim-idle, es-close-timeout, es-consumer, es-dead-letter-maxlen, es-discover-interval, es-drain-timeout, es-flush-interval, es-format, es-index-mode, es-index-prefix, es-namespace, es-paths, es-request-timeout, es-tls-skip-verify, es-username`},
		{"elasticsearch=http://es es-batch-size=many", `cloudtap: writer: invalid option es-batch-size="many": want a whole number, 0 or more`},
		{"elasticsearch=http://es es-batch-size=0", `cloudtap: writer: invalid option es-batch-size="0": must be greater than zero`},
		{"elasticsearch=http://es es-format=kibana", `cloudtap: writer: invalid option es-format="kibana": want zeek or ecs`},
		{"elasticsearch=http://es es-index-mode=weekly", `cloudtap: writer: invalid option es-index-mode="weekly": want daily or datastream`},
		{"elasticsearch=http://es es-close-timeout=never", `cloudtap: writer: invalid option es-close-timeout="never": want a duration such as 500ms, 30s, 5m or 24h`},
		{"elasticsearch=http://es es-ca-file=/ca.pem", `cloudtap: writer: invalid option es-ca-file="/ca.pem": TLS options need an https:// Elasticsearch URL`},
	} {
		_, err := ParseConfig(tc.config)
		assert.EqualError(t, err, tc.want, tc.config)
	}
}
