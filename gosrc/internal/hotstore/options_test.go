package hotstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionTableIsSound(t *testing.T) {
	require.NoError(t, Options.SelfCheck())
}

func TestURLOptionsTakeTheOneGrammar(t *testing.T) {
	cfg, err := ParseURL("redis://h/0?buffer-max-bytes=64MiB&batch-max-bytes=1M&cluster=yes&maxage=24h&tls-skip-verify=off")
	require.NoError(t, err)
	assert.EqualValues(t, 64<<20, cfg.BufferMaxBytes)
	assert.EqualValues(t, 1<<20, cfg.BatchMaxBytes)
	assert.True(t, cfg.Cluster)
}

func TestUnknownURLOptionSuggestsTheClosest(t *testing.T) {
	_, err := ParseURL("redis://h/0?buffer-max-byte=64M")
	var oe *OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "buffer-max-byte", oe.Option)
	assert.Equal(t, "unknown option; did you mean buffer-max-bytes?", oe.Reason)
}
