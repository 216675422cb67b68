package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// TestMain keeps a developer's settings of the commands (a configuration
// file, a Redis URL) from changing what the tests see. The test
// harnesses' own variables (CLOUDTAP_TRACES) stay.
func TestMain(m *testing.M) {
	for _, name := range []string{envConfig, "CLOUDTAP_REDIS_URL", envElasticsearchURL, envElasticsearchPassword, envElasticsearchAPIKey} {
		os.Unsetenv(name)
	}
	os.Exit(m.Run())
}

// writeConfig writes a configuration file with mode 0600 and returns its
// path.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cloudtap.conf")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// The command line wins over the environment, which wins over the file,
// which wins over the default; a [command] section wins over the keys
// before any section.
func TestConfigPrecedence(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	url := srv.URL("", "") + "/0"
	writeLog(t, url, "conn", tailRecords(0, 25))

	prefixShown := func(args ...string) string {
		t.Helper()
		code, stdout, stderr := runCmd(append([]string{"status"}, args...)...)
		require.Equal(t, 0, code, stderr)
		return stdout
	}
	global := writeConfig(t, "# the hot tier\nredis = "+url+" prefix=file:\n")
	assert.Equal(t, "no log streams under \"file:\"\n", prefixShown("--config", global), "file")

	t.Setenv("CLOUDTAP_CONFIG", global)
	assert.Equal(t, "no log streams under \"file:\"\n", prefixShown(), "file named by CLOUDTAP_CONFIG")

	t.Setenv("CLOUDTAP_REDIS_URL", url+" prefix=env:")
	assert.Equal(t, "no log streams under \"env:\"\n", prefixShown(), "environment over file")
	assert.Equal(t, "no log streams under \"flag:\"\n", prefixShown("--redis", url+" prefix=flag:"), "command line over environment")
	t.Setenv("CLOUDTAP_REDIS_URL", "")

	section := writeConfig(t, "redis = "+url+" prefix=global:\n\n[status]\nredis = "+url+" prefix=section:\n[tail]\nredis = "+url+"\n")
	assert.Equal(t, "no log streams under \"section:\"\n", prefixShown("--config", section), "--config over CLOUDTAP_CONFIG; [status] over global")

	// The default, then the file, then the command line, for an option
	// with no environment variable.
	t.Setenv("CLOUDTAP_CONFIG", "")
	tailLines := func(args ...string) int {
		t.Helper()
		code, stdout, stderr := runCmd(append([]string{"tail", "conn"}, args...)...)
		require.Equal(t, 0, code, stderr)
		return strings.Count(stdout, "\n")
	}
	counts := writeConfig(t, "redis = "+url+"\ncount = 4\n[tail]\ncount = 3\n")
	assert.Equal(t, 10, tailLines("--redis", url), "default")
	assert.Equal(t, 3, tailLines("--config", counts), "[tail] over the global count")
	assert.Equal(t, 5, tailLines("--config", counts, "--count", "5"), "command line over file")

	// A global key that the running command has no flag for is another
	// command's (elasticsearch is ship's): not an error.
	shared := writeConfig(t, "redis = "+url+"\nelasticsearch = http://127.0.0.1:1\npaths = conn\n")
	assert.Equal(t, 10, tailLines("--config", shared))
}

// Every mistake in a configuration file is one line naming the file, the
// line and the key, and exit status 2, whichever command reads the file.
func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	file := func(name, text string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
		return path
	}
	cases := []struct {
		name, text, want string
	}{
		{"unknown-key", "# cloudtap\n\ncolour = blue\n", `%s:3: unknown key "colour": no cloudtap command has a --colour flag`},
		{"misspelt-key", "[ship]\nbatch-byte = 1M\n", `%s:2: unknown key "batch-byte" in [ship]: cloudtap ship has no --batch-byte flag; did you mean batch-bytes?`},
		{"key-of-another-command", "[tail]\npaths = conn\n", `%s:2: unknown key "paths" in [tail]: cloudtap tail has no --paths flag`},
		{"unknown-section", "redis = redis://h\n[frobnicate]\n", `%s:2: unknown section [frobnicate]: sections are command names (decap, ingest, intel, listen, options, replay, ship, status, tail)`},
		{"bad-duration", "[ingest]\nwait = fortnight\n", `%s:2: wait: bad value "fortnight": want a duration such as 500ms, 30s, 5m or 1h`},
		{"bad-bool", "[tail]\nfollow = sometimes\n", `%s:2: follow: bad value "sometimes": want true or false`},
		{"bad-number", "[ship]\nbatch-size = many\n", `%s:2: batch-size: bad value "many": want a whole number, 0 or more`},
		{"bad-for-one-command", "vni = 1,2\n", `%s:1: vni: bad value "1,2" for cloudtap replay: want a whole number, 0 or more (a key under a [command] section applies to that command only)`},
		{"twice", "redis = redis://a\n# again\nredis = redis://b\n", `%s:3: redis: given twice (first at line 1)`},
		{"no-value", "[status]\ngroup =\n", `%s:2: group: no value (leave the key out for the default)`},
		{"quoted", "[ship]\nconsumer = \"shipper-1\"\n", `%s:2: consumer: write the value without quotes: everything after = is the value`},
		{"not-key-value", "redis redis://h\n", `%s:1: want key = value, [command] or # comment`},
		{"open-section", "[ship\n", `%s:1: want [command], key = value or # comment`},
		{"nested", "config = /etc/other.conf\n", `%s:1: config: a configuration file cannot name another`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := file(c.name+".conf", c.text)
			for _, command := range []string{"status", "tail", "ship", "decap"} {
				code, stdout, stderr := runCmd(command, "--config", path)
				assert.Equal(t, 2, code, "%s: %s", command, stderr)
				assert.Equal(t, "cloudtap "+command+": "+fmt.Sprintf(c.want, path)+"\n", stderr, command)
				assert.Empty(t, stdout)
			}
		})
	}
}

func TestConfigFileUnreadable(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.conf")
	code, _, stderr := runCmd("status", "--config", missing)
	assert.Equal(t, 2, code)
	assert.Equal(t, "cloudtap status: --config: open "+missing+": no such file or directory\n", stderr)

	t.Setenv("CLOUDTAP_CONFIG", missing)
	code, _, stderr = runCmd("tail", "conn")
	assert.Equal(t, 2, code)
	assert.Equal(t, "cloudtap tail: CLOUDTAP_CONFIG: open "+missing+": no such file or directory\n", stderr)

	dir := t.TempDir()
	code, _, stderr = runCmd("status", "--config", dir)
	assert.Equal(t, 2, code)
	assert.Equal(t, "cloudtap status: "+dir+": is a directory, not a configuration file\n", stderr)

	if os.Geteuid() == 0 {
		t.Log("not testing a file without read permission: running as root, which reads it anyway")
		return
	}
	locked := writeConfig(t, "redis = redis://h\n")
	require.NoError(t, os.Chmod(locked, 0))
	code, _, stderr = runCmd("status", "--config", locked)
	assert.Equal(t, 2, code)
	assert.Equal(t, "cloudtap status: --config: open "+locked+": permission denied\n", stderr)
}

// A value that parses as its flag's type but that the command refuses is
// reported where it was written: file and line, or the environment
// variable.
func TestConfigBadValueNamesItsSource(t *testing.T) {
	conf := writeConfig(t, "# hot tier\nredis = redis://127.0.0.1:1/0 mode=sideways\n")
	code, _, stderr := runCmd("status", "--config", conf)
	assert.Equal(t, 2, code)
	assert.Equal(t, "cloudtap status: "+conf+`:2: redis: writer: invalid option mode="sideways": want stream, list or pubsub`+"\n", stderr)

	conf = writeConfig(t, "elasticsearch = http://127.0.0.1:1\n[ship]\nconsumer = s1\nbatch-size = 0\n")
	code, _, stderr = runCmd("ship", "--config", conf)
	assert.Equal(t, 2, code)
	assert.Equal(t, "cloudtap ship: "+conf+`:4: batch-size "0": must be greater than zero`+"\n", stderr)

	conf = writeConfig(t, "[ingest]\nwait = 0s\n")
	code, _, stderr = runCmd("ingest", "--config", conf, "x.log")
	assert.Equal(t, 2, code)
	assert.Equal(t, "cloudtap ingest: "+conf+":2: wait must be positive\n", stderr)

	t.Setenv("CLOUDTAP_REDIS_URL", "redis://127.0.0.1:1/0 mode=sideways")
	code, _, stderr = runCmd("tail", "conn", "--config", writeConfig(t, "redis = redis://127.0.0.1:1/0\n"))
	assert.Equal(t, 2, code)
	assert.Equal(t, `cloudtap tail: CLOUDTAP_REDIS_URL: writer: invalid option mode="sideways": want stream, list or pubsub`+"\n", stderr)

	code, _, stderr = runCmd("tail", "conn", "--redis", "redis://127.0.0.1:1/0 maxlen=-1")
	assert.Equal(t, 2, code)
	assert.Equal(t, `cloudtap tail: --redis: writer: invalid option maxlen="-1": want a whole number, 0 or more`+"\n", stderr)
}

// A file holding a password that every user can read is used, with a
// warning; so is one that anyone can change.
func TestConfigFileWarnings(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{Password: "Hunter2x"})
	withPassword := "[status]\nredis = " + srv.URL("", "Hunter2x") + "/0\n"
	run := func(text string, mode os.FileMode) string {
		t.Helper()
		path := writeConfig(t, text)
		require.NoError(t, os.Chmod(path, mode))
		code, _, stderr := runCmd("status", "--config", path)
		require.Equal(t, 0, code, stderr)
		assert.NotContains(t, stderr, "Hunter2x")
		return strings.ReplaceAll(stderr, path, "FILE")
	}
	assert.Empty(t, run(withPassword, 0o600))
	assert.Empty(t, run(withPassword, 0o640), "group-readable: the group is chosen")
	assert.Equal(t, "cloudtap status: warning: FILE is readable by every user and holds a password (line 2, redis); chmod o-r FILE\n", run(withPassword, 0o644))
	assert.Equal(t, "cloudtap status: warning: FILE is writable by every user, who could send the logs elsewhere (chmod o-w FILE)\n",
		run("redis = "+srv.URL("", "Hunter2x")+"/0\n", 0o602))
	open := redistest.Start(t, redistest.Options{})
	assert.Empty(t, run("[status]\nredis = "+open.URL("", "")+"/0 prefix=x:\n", 0o644), "no password, nothing to hide")
}

func TestHoldsPassword(t *testing.T) {
	for value, want := range map[string]bool{
		"redis://127.0.0.1:6379/0":                             false,
		"redis://secret@127.0.0.1/0":                           true, // requirepass, as redis-cli reads it
		"redis://zeek:secret@h/0 maxlen=5":                     true,
		"rediss://:secret@h":                                   true,
		"redis://h/0 elasticsearch=https://elastic:pw@es:9200": true,
		"redis=redis://:pw@h":                                  true,
		"https://elastic@es:9200":                              false, // a user name only
		"https://es:9200":                                      false,
		"conn,dns":                                             false,
		"100ms":                                                false,
	} {
		assert.Equal(t, want, holdsPassword(value), value)
	}
}

// The built command: a bad configuration file is exit status 2 and one
// line on stderr, before anything is contacted.
func TestConfigFileBuiltCommand(t *testing.T) {
	bin := buildCloudtap(t)

	conf := writeConfig(t, "redis = redis://:Hunter2x@127.0.0.1:1/0\n[ship]\nbatch-size = 0\ncolour = blue\n")
	for _, command := range []string{"ingest", "ship", "tail", "status", "decap", "replay", "listen"} {
		cmd := exec.Command(bin, command)
		cmd.Env = append(os.Environ(), "CLOUDTAP_CONFIG="+conf)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "%s: %v", command, err)
		assert.Equal(t, 2, exit.ExitCode(), command)
		assert.Equal(t, "cloudtap "+command+": "+conf+`:4: unknown key "colour" in [ship]: cloudtap ship has no --colour flag`+"\n", stderr.String())
		assert.Empty(t, stdout.String())
	}
}
