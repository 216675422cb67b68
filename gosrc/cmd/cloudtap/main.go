// Command cloudtap runs cloudtap's work outside Zeek: strip tunnels from
// captures, simulate a traffic mirror, capture live mirrored traffic
// (decap, replay, listen), and load, ship, read and watch the log tiers
// (ingest, ship, tail, status).
//
// Options come from flags, the environment and a configuration file
// (config.go). A re-run of ingest stores only what is new: an input's
// progress is kept in Redis beside its stream, and the hot tier's dedup
// marker, under a writer ID derived from the input, settles the one group
// a stopped run left in doubt. Why this and not deterministic batches of
// one writer alone: ingest_progress.go. README.md documents both.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand: its flags are defined in setup, run does the
// work with the positional arguments.
type command struct {
	summary string
	usage   string // arguments after the command name
	setup   func(fs *flag.FlagSet, out outputs) func(args []string) error
}

// outputs are where a command writes results (stdout) and reports
// (stderr), and where its options came from (for error messages; see
// config.go).
type outputs struct {
	stdout, stderr io.Writer
	from           *origins
}

// where names an option as the user gave it: "--redis",
// "CLOUDTAP_REDIS_URL", or "/etc/cloudtap.conf:3: redis".
func (o outputs) where(name string) string { return o.from.where(name) }

var commands = map[string]command{}

func register(name string, c command) { commands[name] = c }

// usageError is bad input from the user: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "cloudtap: unknown command %q (try cloudtap --help)\n", args[0])
		return 2
	}
	fs := flag.NewFlagSet("cloudtap "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: cloudtap %s %s\n\n%s\n\nflags:\n", args[0], c.usage, c.summary)
		fs.PrintDefaults()
	}
	from := &origins{}
	runFn := c.setup(fs, outputs{stdout, stderr, from})
	configFile := fs.String("config", "", "configuration file: key = value lines named as these flags, [command] sections (default $"+envConfig+"); the command line wins, then the environment, then the file")
	positional, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2 // the flag package has printed the reason
	}
	if err := applyConfiguration(fs, args[0], *configFile, stderr, from); err != nil {
		fmt.Fprintf(stderr, "cloudtap %s: %s\n", args[0], oneCloudtap(err))
		return 2
	}
	if err := runFn(positional); err != nil {
		fmt.Fprintf(stderr, "cloudtap %s: %s\n", args[0], oneCloudtap(err))
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

// oneCloudtap is err's text without the "cloudtap: " that the library's
// errors start with, which the command's own "cloudtap ship: " says
// already.
func oneCloudtap(err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "cloudtap: "); ok {
		return rest
	}
	return strings.Replace(msg, ": cloudtap: ", ": ", 1)
}

// parseInterspersed lets flags come before or after positional arguments
// (cloudtap listen SPEC --write out.pcap).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func printUsage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: cloudtap COMMAND [flags] [args]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-8s %s\n", n, commands[n].summary)
	}
	b.WriteString("\nRun 'cloudtap COMMAND --help' for a command's flags. Every command also reads\n" +
		"them from a configuration file, --config FILE or $" + envConfig + ": key = value lines\n" +
		"named as the flags, [command] sections; the command line wins, then the\n" +
		"environment, then the file.\n")
	io.WriteString(w, b.String())
}
