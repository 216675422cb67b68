package coldstore

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// `cloudtap ship` refuses bad configuration before contacting anything:
// exit status 2 and one line naming the flag, with no password shown.
func TestShipCommandRefusesBadConfigurationInOneLine(t *testing.T) {
	bin := buildCloudtap(t)
	cases := []struct {
		args []string
		env  []string
		want string
	}{
		{nil, nil, `--elasticsearch "": an Elasticsearch URL (http:// or https://) is required`},
		{[]string{"--elasticsearch", "ftp://elastic:Hunter2x@h"}, nil, `--elasticsearch "ftp://elastic:xxxxx@h": want an http:// or https:// URL`},
		{[]string{"--batch-size", "0"}, []string{"CLOUDTAP_ELASTICSEARCH_URL=http://h:9200"}, `--batch-size "0": must be greater than zero`},
		{[]string{"--index-mode", "weekly"}, []string{"CLOUDTAP_ELASTICSEARCH_URL=http://h:9200"}, `--index-mode "weekly": want daily or datastream`},
		{[]string{"--redis", "redis://h?mode=list", "--elasticsearch", "http://h:9200"}, nil, "list and pubsub modes cannot feed it"},
		{[]string{"--elasticsearch", "http://h:9200", "--schema", "/nonexistent.json"}, nil, "--schema: schema file: open /nonexistent.json"},
		{[]string{"--elasticsearch", "http://h:9200", "conn"}, nil, `unexpected argument "conn" (paths go in --paths)`},
	}
	for _, c := range cases {
		cmd := exec.Command(bin, append([]string{"ship"}, c.args...)...)
		cmd.Env = append(cleanEnv(), c.env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "%v: %v", c.args, err)
		assert.Equal(t, 2, exit.ExitCode(), "%v", c.args)
		out := strings.TrimSpace(stderr.String())
		assert.NotContains(t, out, "\n", "one line: %q", out)
		assert.Contains(t, out, c.want)
		assert.NotContains(t, out, "Hunter2x")
	}
}

// cleanEnv is the environment without cloudtap's own variables, so that a
// developer's settings cannot change what a test sees.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CLOUDTAP_") {
			env = append(env, kv)
		}
	}
	return env
}
