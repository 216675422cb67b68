package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/logwriter"
	"github.com/cloudtap/cloudtap/gosrc/internal/option"
)

// Configuration comes from four places; the first that has a value wins:
//
//  1. the command line (--redis URL);
//  2. the environment, for the few options that have a variable
//     (envOptions);
//  3. the configuration file (--config FILE, else $CLOUDTAP_CONFIG);
//  4. the flag's default.
//
// The file is key = value lines, keys named as the long flags. Keys before
// any [section] apply to every command that has that flag; keys under
// [ship] (any command name) only to that command, and win over the
// global ones. Every key must be a flag of the command(s) it applies to,
// and every value must parse as that flag's type, whichever command runs:
// a mistake is refused at once, not when the command that reads it runs.
// README.md in this directory shows the format.

// envConfig names the configuration file when --config is not given.
const envConfig = "CLOUDTAP_CONFIG"

// envOptions are the options that the environment can set. (The
// Elasticsearch password and API key come from the environment only; see
// cmd_ship.go.)
var envOptions = map[string]string{
	"redis":         logwriter.EnvRedisURL,
	"elasticsearch": envElasticsearchURL,
}

// origin is where one option's value came from.
type origin struct {
	env  string // the environment variable, or
	file string // the configuration file and
	line int    // its line; both empty: the command line or the default
}

// origins records where each option of the running command got its value,
// so that a bad value is reported where it was written.
type origins struct{ byName map[string]origin }

// where names an option as the user wrote it: "--redis" (command line or
// default), "CLOUDTAP_REDIS_URL", or "/etc/cloudtap.conf:3: redis".
func (o *origins) where(name string) string {
	if o != nil {
		if src, ok := o.byName[name]; ok {
			switch {
			case src.env != "":
				return src.env
			case src.file != "":
				return fmt.Sprintf("%s:%d: %s", src.file, src.line, name)
			}
		}
	}
	return "--" + name
}

// configEntry is one key = value line of the file.
type configEntry struct {
	section, key, value string
	line                int
}

// configFile is a parsed configuration file.
type configFile struct {
	path    string
	entries []configEntry
	mode    os.FileMode
}

// readConfigFile reads and parses path; it does not check keys against
// the commands (check does).
func readConfigFile(path string) (*configFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a configuration file", path)
	}
	cf := &configFile{path: path, mode: st.Mode().Perm()}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	section, n := "", 0
	first := map[[2]string]int{} // section, key -> line
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if n == 1 {
			text = strings.TrimPrefix(text, "\uFEFF") // a byte-order mark from a Windows editor
		}
		switch {
		case text == "" || text[0] == '#':
			continue
		case text[0] == '[':
			if !strings.HasSuffix(text, "]") {
				return nil, fmt.Errorf("%s:%d: want [command], key = value or # comment", path, n)
			}
			section = strings.TrimSpace(text[1 : len(text)-1])
			if _, ok := commands[section]; !ok {
				return nil, fmt.Errorf("%s:%d: unknown section [%s]: sections are command names (%s)", path, n, section, strings.Join(commandNames(), ", "))
			}
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return nil, fmt.Errorf("%s:%d: want key = value, [command] or # comment", path, n)
		}
		where := fmt.Sprintf("%s:%d: %s", path, n, key)
		if value == "" {
			return nil, fmt.Errorf("%s: no value (leave the key out for the default)", where)
		}
		if value[0] == '"' || value[0] == '\'' {
			return nil, fmt.Errorf("%s: write the value without quotes: everything after = is the value", where)
		}
		id := [2]string{section, key}
		if at, dup := first[id]; dup {
			return nil, fmt.Errorf("%s: given twice (first at line %d)", where, at)
		}
		first[id] = n
		cf.entries = append(cf.entries, configEntry{section: section, key: key, value: value, line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, n+1, err)
	}
	return cf, nil
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// commandFlags returns a fresh flag set with the flags of command name.
func commandFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	commands[name].setup(fs, outputs{stdout: io.Discard, stderr: io.Discard})
	return fs
}

// check refuses any key that is not a flag of a command it applies to,
// and any value that does not parse as that flag's type. It sets the
// values on throw-away flag sets, never the running command's.
func (cf *configFile) check() error {
	sets := map[string]*flag.FlagSet{}
	for _, name := range commandNames() {
		sets[name] = commandFlags(name)
	}
	for _, e := range cf.entries {
		if e.key == "config" {
			return fmt.Errorf("%s:%d: config: a configuration file cannot name another", cf.path, e.line)
		}
		targets := []string{e.section}
		if e.section == "" {
			targets = nil
			for _, name := range commandNames() {
				if sets[name].Lookup(e.key) != nil {
					targets = append(targets, name)
				}
			}
			if len(targets) == 0 {
				return fmt.Errorf("%s:%d: unknown key %q: no cloudtap command has a --%s flag%s", cf.path, e.line, e.key, e.key, didYouMean(e.key, sets))
			}
		} else if sets[e.section].Lookup(e.key) == nil {
			return fmt.Errorf("%s:%d: unknown key %q in [%s]: cloudtap %s has no --%s flag%s", cf.path, e.line, e.key, e.section, e.section, e.key,
				didYouMean(e.key, map[string]*flag.FlagSet{e.section: sets[e.section]}))
		}
		for _, name := range targets {
			if err := setValue(sets[name], e.key, e.value); err != nil {
				if len(targets) > 1 {
					err = fmt.Errorf("bad value %q for cloudtap %s: %s (a key under a [command] section applies to that command only)",
						e.value, name, wantText(sets[name].Lookup(e.key)))
				}
				return fmt.Errorf("%s:%d: %s: %v", cf.path, e.line, e.key, err)
			}
		}
	}
	return nil
}

// didYouMean is "; did you mean NAME?" for the flag of sets closest to
// key, or "" when none is close.
func didYouMean(key string, sets map[string]*flag.FlagSet) string {
	var names []string
	for _, fs := range sets {
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	}
	sort.Strings(names)
	if best := option.Closest(key, names); best != "" {
		return "; did you mean " + best + "?"
	}
	return ""
}

// lookup returns the entry that sets key for command: its section's,
// else the global one.
func (cf *configFile) lookup(command, key string) (configEntry, bool) {
	var global configEntry
	found := false
	for _, e := range cf.entries {
		if e.key != key {
			continue
		}
		if e.section == command {
			return e, true
		}
		if e.section == "" {
			global, found = e, true
		}
	}
	return global, found
}

// setValue sets a flag, explaining a value of the wrong type without
// echoing it when it might be a secret (string flags never fail).
func setValue(fs *flag.FlagSet, name, value string) error {
	if err := fs.Set(name, value); err != nil {
		return fmt.Errorf("bad value %q: %s", value, wantText(fs.Lookup(name)))
	}
	// An option-table flag takes any text and says why it is bad.
	if v, ok := fs.Lookup(name).Value.(interface{ Err() error }); ok && v.Err() != nil {
		return fmt.Errorf("bad value %q: %s", value, v.Err())
	}
	return nil
}

// wantText says what a flag takes, from its type; an option-table flag
// says it itself (its Err).
func wantText(f *flag.Flag) string {
	if v, ok := f.Value.(interface{ Err() error }); ok && v.Err() != nil {
		return v.Err().Error()
	}
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case bool:
			return "want true or false"
		case time.Duration:
			return "want a duration such as 500ms, 30s, 5m or 1h"
		case int, int64:
			return "want a whole number"
		case uint, uint64:
			return "want a whole number, 0 or more"
		}
	}
	return "not a valid value"
}

// applyConfiguration fills the flags the command line did not set: from
// the environment, else from the configuration file (--config, else
// $CLOUDTAP_CONFIG). It records in o where each value came from, and warns on
// stderr when the file holds a password that other users can read.
func applyConfiguration(fs *flag.FlagSet, command, configFlag string, stderr io.Writer, o *origins) error {
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })

	path, pathWhere := configFlag, "--config"
	if !onCommandLine["config"] {
		path, pathWhere = os.Getenv(envConfig), envConfig
	}
	var cf *configFile
	if path != "" {
		var err error
		if cf, err = readConfigFile(path); err != nil {
			if os.IsNotExist(err) || os.IsPermission(err) {
				return fmt.Errorf("%s: %v", pathWhere, err)
			}
			return err
		}
		if err := cf.check(); err != nil {
			return err
		}
		cf.warnIfExposed(command, stderr)
	}

	o.byName = map[string]origin{}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || onCommandLine[f.Name] || f.Name == "config" {
			return
		}
		if env := envOptions[f.Name]; env != "" {
			if v := os.Getenv(env); v != "" {
				if e := setValue(fs, f.Name, v); e != nil {
					err = fmt.Errorf("%s: %v", env, e)
					return
				}
				o.byName[f.Name] = origin{env: env}
				return
			}
		}
		if cf == nil {
			return
		}
		if e, ok := cf.lookup(command, f.Name); ok {
			// check has parsed every value already.
			if setErr := setValue(fs, f.Name, e.value); setErr != nil {
				err = fmt.Errorf("%s:%d: %s: %v", cf.path, e.line, f.Name, setErr)
				return
			}
			o.byName[f.Name] = origin{file: cf.path, line: e.line}
		}
	})
	return err
}

// warnIfExposed warns when a file that holds a password is readable by
// every user, or when anyone may change the file (and so send the logs
// elsewhere). It does not refuse: secrets mounted into containers are
// often world-readable inside a container nobody else uses.
func (cf *configFile) warnIfExposed(command string, stderr io.Writer) {
	if cf.mode&0o002 != 0 {
		fmt.Fprintf(stderr, "cloudtap %s: warning: %s is writable by every user, who could send the logs elsewhere (chmod o-w %s)\n", command, cf.path, cf.path)
	}
	if cf.mode&0o004 == 0 {
		return
	}
	for _, e := range cf.entries {
		if holdsPassword(e.value) {
			fmt.Fprintf(stderr, "cloudtap %s: warning: %s is readable by every user and holds a password (line %d, %s); chmod o-r %s\n", command, cf.path, e.line, e.key, cf.path)
			return
		}
	}
}

// holdsPassword reports whether a value holds a URL with a password: a
// URL with user:password@, or a redis:// URL with password@ (Redis's
// requirepass, as redis-cli reads it). The value may be a whole writer
// configuration ("redis://… elasticsearch=https://…").
func holdsPassword(value string) bool {
	for _, word := range strings.Fields(value) {
		if k, v, ok := strings.Cut(word, "="); ok && !strings.Contains(k, "://") {
			word = v
		}
		if !strings.Contains(word, "://") {
			continue
		}
		u, err := url.Parse(word)
		if err != nil {
			return strings.Contains(word, "@") // cannot tell; assume so
		}
		if u.User == nil {
			continue
		}
		if _, ok := u.User.Password(); ok || u.Scheme == "redis" || u.Scheme == "rediss" {
			return true
		}
	}
	return false
}
