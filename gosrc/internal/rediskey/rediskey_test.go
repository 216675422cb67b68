package rediskey

import (
	"testing"

	"github.com/mna/redisc"
	"github.com/stretchr/testify/assert"
)

func TestPerPathKeysShareTheRecordsSlot(t *testing.T) {
	records := Records("zeek:", "conn")
	assert.Equal(t, "zeek:conn", records)
	for _, k := range []string{Schema("zeek:", "conn"), DeadLetter("zeek:", "conn"),
		WriterMarker(records, "w1"), IngestProgress(records, "abc")} {
		assert.Equal(t, redisc.Slot(records), redisc.Slot(k), "%s is in the slot of %s", k, records)
	}
	assert.Equal(t, "{zeek:conn}:schema", Schema("zeek:", "conn"))
	assert.Equal(t, "{zeek:conn}:dead", DeadLetter("zeek:", "conn"))
	assert.Equal(t, "zeek:conn:schema", LegacySchema("zeek:", "conn"))
	assert.Equal(t, "zeek:conn:dead", LegacyDeadLetter("zeek:", "conn"))
}

func TestPathOf(t *testing.T) {
	for key, want := range map[string]string{"zeek:conn": "conn", "zeek:dns_misspelt": "dns_misspelt"} {
		p, ok := PathOf("zeek:", key)
		assert.True(t, ok, key)
		assert.Equal(t, want, p)
	}
	for _, key := range []string{"zeek:", "other:conn", "zeek:conn:dead", "{zeek:conn}:schema", "zeek:conn:schema"} {
		_, ok := PathOf("zeek:", key)
		assert.False(t, ok, key)
	}
}

func TestPatternQuotesTheGlob(t *testing.T) {
	assert.Equal(t, `zeek:*`, Pattern("zeek:"))
	assert.Equal(t, `a\*b\?\[x\]:*`, Pattern("a*b?[x]:"))
}
