package zeekschema

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSchemaCheck(t *testing.T) {
	good := Schema{{"ts", "time"}, {"uid", "string"}, {"id.orig_h", "addr"}, {"id.orig_p", "port"},
		{"tunnel_parents", "set[string]"}, {"history_bytes", "vector[count]"}, {"proto", "enum"}}
	assert.NoError(t, good.Check())
	for _, tc := range []struct {
		s    Schema
		want string
	}{
		{Schema{}, "no fields"},
		{Schema{{"", "count"}}, "field 1 has no name"},
		{Schema{{"a", "count"}, {"a", "int"}}, `field "a" appears twice`},
		{Schema{{"a", "number"}}, `field "a": "number" is not a Zeek type`},
		{Schema{{"a", "set[thing]"}}, `element type "thing" is not a Zeek type`},
	} {
		assert.ErrorContains(t, tc.s.Check(), tc.want)
	}
	c, e := ElemType("vector[addr]")
	assert.Equal(t, "vector", c)
	assert.Equal(t, "addr", e)
}
