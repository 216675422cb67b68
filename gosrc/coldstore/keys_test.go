package coldstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cloudtap/cloudtap/gosrc/coldstore"
	"github.com/cloudtap/cloudtap/gosrc/logwriter"
)

// The shipper repeats the writer's key names and group rather than import
// them (the writer will start shippers); they must agree.
func TestKeyNamesAndGroupAgreeWithTheWriter(t *testing.T) {
	assert.Equal(t, logwriter.DefaultGroup, coldstore.DefaultGroup)
	assert.Equal(t, logwriter.StreamKey("zeek:", "conn"), coldstore.StreamKey("zeek:", "conn"))
	assert.Equal(t, logwriter.SchemaKey("zeek:", "conn"), coldstore.SchemaKey("zeek:", "conn"))
	assert.Equal(t, logwriter.DeadLetterKey("zeek:", "conn"), coldstore.DeadLetterKey("zeek:", "conn"))
}
