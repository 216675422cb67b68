package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cloudtap/cloudtap/gosrc/internal/capture"
	"github.com/cloudtap/cloudtap/gosrc/internal/coldstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/logwriter"
	"github.com/cloudtap/cloudtap/gosrc/internal/option"
	"github.com/cloudtap/cloudtap/gosrc/internal/redisinput"
)

func init() {
	register("options", command{
		summary: "print every option of the capture spec, the hot tier, the writer, the cold tier and the input reader, from the tables the code reads them with",
		usage:   "[--markdown] [capture|hotstore|writer|coldstore|reader]",
		setup:   setupOptions,
	})
}

// optionSection is one component's table as the docs show it.
type optionSection struct {
	component string
	where     string // where the options are written
	rows      []option.Row
}

// optionSections are every table, in the order the README shows them.
func optionSections() []optionSection {
	return []optionSection{
		{"capture", "the query of each listener of a source spec: zeek -i 'cloudtap::vxlan://:4789?allow=10.0.0.0/8&rcvbuf=64M'", capture.Options.Rows()},
		{"hotstore", "the query of a redis:// URL, or key=value words after it: CloudTap::redis_url, --redis, CLOUDTAP_REDIS_URL", hotstore.Options.Rows()},
		{"writer", "key=value words of the writer's configuration (CloudTap::redis_url), and keys of a Zeek filter's $config; every hotstore option too, and every coldstore option as es-<option>", logwriter.OwnOptions.Rows()},
		{"coldstore", "cloudtap ship --<option> (and its configuration-file keys), or es-<option> in the writer's configuration", coldstore.Options.Rows()},
		{"reader", "keys of the $config of an input with $reader=Input::READER_REDIS (connection options go in the redis:// URL of $source)", redisinput.Options.Rows()},
	}
}

func setupOptions(fs *flag.FlagSet, o outputs) func([]string) error {
	markdown := fs.Bool("markdown", false, "print Markdown tables, as the README carries them")
	return func(args []string) error {
		sections := optionSections()
		if len(args) > 1 {
			return usagef("want at most one component, got %d", len(args))
		}
		if len(args) == 1 {
			var picked []optionSection
			names := make([]string, 0, len(sections))
			for _, s := range sections {
				names = append(names, s.component)
				if s.component == args[0] {
					picked = append(picked, s)
				}
			}
			if picked == nil {
				return usagef("unknown component %q (want %s)", args[0], strings.Join(names, ", "))
			}
			sections = picked
		}
		for i, s := range sections {
			if i > 0 {
				fmt.Fprintln(o.stdout)
			}
			printOptionSection(o.stdout, s, *markdown)
		}
		return nil
	}
}

func printOptionSection(w io.Writer, s optionSection, markdown bool) {
	if markdown {
		fmt.Fprint(w, markdownSection(s))
		return
	}
	fmt.Fprintf(w, "%s: %s\n%s", s.component, s.where, option.Text(s.rows))
}

// markdownSection is a section as the README holds it, between its
// markers, so that a test can compare them.
func markdownSection(s optionSection) string {
	return fmt.Sprintf("<!-- options:%s -->\n%s: %s.\n\n%s<!-- end options:%s -->\n", s.component, "**"+s.component+"**", s.where, option.Markdown(s.rows), s.component)
}
