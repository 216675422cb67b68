// Command cloudtap runs cloudtap's capture (and, later, log-tier) work
// outside Zeek: strip tunnels from captures, simulate a traffic mirror,
// capture live mirrored traffic.
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

// outputs are where a command writes results (stdout) and reports (stderr).
type outputs struct{ stdout, stderr io.Writer }

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
	runFn := c.setup(fs, outputs{stdout, stderr})
	positional, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2 // the flag package has printed the reason
	}
	if err := runFn(positional); err != nil {
		fmt.Fprintf(stderr, "cloudtap %s: %v\n", args[0], err)
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
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
	b.WriteString("\nRun 'cloudtap COMMAND --help' for a command's flags.\n")
	io.WriteString(w, b.String())
}
