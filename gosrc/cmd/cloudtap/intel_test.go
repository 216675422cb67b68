package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

func TestIntelAddImportListRemove(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	url := srv.URL("", "")
	call := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		rc := run(append([]string{"intel"}, append(args, "--redis", url)...), &out, &errb)
		return rc, out.String(), errb.String()
	}
	rc, out, _ := call("add", "--type", "Intel::ADDR", "--source", "hunt-42", "--desc", "c2", "198.51.100.7")
	require.Equal(t, 0, rc)
	assert.Equal(t, "1 indicators stored in cloudtap:intel\n", out)
	file := filepath.Join(t.TempDir(), "feed.intel")
	require.NoError(t, os.WriteFile(file, []byte("#fields\tindicator\tindicator_type\tmeta.source\nevil.example\tIntel::DOMAIN\tfeed\n"), 0o600))
	rc, _, _ = call("import", file)
	require.Equal(t, 0, rc)
	rc, out, _ = call("list")
	require.Equal(t, 0, rc)
	assert.Equal(t, "#fields\tindicator\tindicator_type\tmeta.desc\tmeta.source\n198.51.100.7\tIntel::ADDR\tc2\thunt-42\nevil.example\tIntel::DOMAIN\t-\tfeed\n", out)
	rc, out, stderr := call("remove", "evil.example", "nope.example")
	require.Equal(t, 0, rc)
	assert.Equal(t, "1 indicator entries removed from cloudtap:intel\n", out)
	assert.Contains(t, stderr, "nope.example: no such indicator")

	rc, _, stderr = call("add", "--type", "ADDR", "--source", "x", "1.2.3.4")
	assert.Equal(t, 2, rc)
	assert.Contains(t, stderr, `type "ADDR" is not an Intel::Type`)
	rc, _, stderr = call("add", "--type", "Intel::ADDR", "1.2.3.4")
	assert.Equal(t, 2, rc)
	assert.Contains(t, stderr, "no meta.source")
	rc, _, stderr = call("frob")
	assert.Equal(t, 2, rc)
	assert.Contains(t, stderr, `unknown intel command "frob"`)
}
