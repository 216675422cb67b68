package intel

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

const file = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n" +
	"# a comment\n" +
	"198.51.100.7\tIntel::ADDR\thunt-42\tC2 seen in the cold tier\n" +
	"evil.example\tIntel::DOMAIN\thunt-42\t-\n"

func TestReadFileAndWriteItBack(t *testing.T) {
	items, err := ReadFile(strings.NewReader(file))
	require.NoError(t, err)
	require.Len(t, items, 2)
	assert.Equal(t, Item{"198.51.100.7", "Intel::ADDR", map[string]string{"source": "hunt-42", "desc": "C2 seen in the cold tier"}}, items[0])
	var b bytes.Buffer
	require.NoError(t, WriteFile(&b, items))
	again, err := ReadFile(&b)
	require.NoError(t, err)
	assert.Equal(t, items, again)

	for _, bad := range []string{
		"1.2.3.4\tIntel::ADDR\tx\n",
		"#fields\tindicator\tindicator_type\tmeta.source\n1.2.3.4\tADDR\tx\n",
		"#fields\tindicator\tindicator_type\tmeta.source\n1.2.3.4\tIntel::ADDR\n",
		"#fields\tindicator\tindicator_type\tmeta.source\n1.2.3.4\tIntel::ADDR\t-\n",
		"#fields\tindicator\tkind\tmeta.source\n1.2.3.4\tIntel::ADDR\tx\n",
	} {
		_, err := ReadFile(strings.NewReader(bad))
		assert.Error(t, err, "%q", bad)
		if err != nil {
			assert.Contains(t, err.Error(), "line ")
		}
	}
}

func TestStoreKeepsTheHashAndAnnouncesChanges(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	c := srv.Conn(t)
	items, err := ReadFile(strings.NewReader(file))
	require.NoError(t, err)
	s := Store{}
	require.NoError(t, s.Add(c, items))
	require.NoError(t, s.Add(c, items[:1])) // again: replaces, announces again
	got, err := s.List(c)
	require.NoError(t, err)
	assert.Equal(t, []Item{items[0], items[1]}, got)

	n, err := s.Remove(c, "evil.example", "", "")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = s.Remove(c, "evil.example", "", "")
	require.NoError(t, err)
	assert.Zero(t, n)

	entries, err := redis.Values(c.Do("XRANGE", "{cloudtap:intel}:changes", "-", "+"))
	require.NoError(t, err)
	var ops []string
	for _, e := range entries {
		kv, _ := redis.StringMap(e.([]any)[1], nil)
		ops = append(ops, kv["op"])
		if kv["op"] == "remove" {
			it, err := ParseJSON(kv["value"])
			require.NoError(t, err)
			assert.Equal(t, "evil.example", it.Indicator, "a removal carries the item removed")
		}
	}
	assert.Equal(t, []string{"add", "add", "add", "remove"}, ops)
}
