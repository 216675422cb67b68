package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's option tables are the code's: each section between its
// markers is what cloudtap options --markdown prints for it.
func TestREADMEOptionTablesMatchTheCode(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	require.NoError(t, err)
	for _, s := range optionSections() {
		want := markdownSection(s)
		assert.True(t, strings.Contains(string(readme), want),
			"README.md's options:%s section differs from the code; replace it with the output of\n  go run ./gosrc/cmd/cloudtap options --markdown %s\nwhich is:\n%s", s.component, s.component, want)
	}
}

func TestOptionsCommandPrintsEveryTable(t *testing.T) {
	code, stdout, _ := runCmd("options")
	require.Equal(t, 0, code)
	for _, s := range optionSections() {
		assert.Contains(t, stdout, s.component+": ")
		for _, r := range s.rows {
			assert.Contains(t, stdout, "  "+r.Name+" ", "%s lists %s", s.component, r.Name)
		}
	}
	code, stdout, _ = runCmd("options", "--markdown", "hotstore")
	require.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(stdout, "<!-- options:hotstore -->\n"), stdout)
	assert.Contains(t, stdout, "| `buffer-max-bytes` | size | `512MiB` |")

	code, _, stderr := runCmd("options", "hotstor")
	assert.Equal(t, 2, code)
	assert.Equal(t, `cloudtap options: unknown component "hotstor" (want capture, hotstore, writer, coldstore, reader)`+"\n", stderr)
}
