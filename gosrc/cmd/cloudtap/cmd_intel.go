package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/cloudtap/cloudtap/gosrc/internal/intel"
	"github.com/cloudtap/cloudtap/gosrc/internal/logwriter"
	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

func init() {
	register("intel", command{
		summary: "push threat indicators into Redis, where Zeek's CloudTap/intel-from-redis reads them live",
		usage: "add|remove|list|import ... [--redis URL] [--key KEY]\n\n" +
			"  cloudtap intel add --type Intel::ADDR --source hunt-42 [--desc TEXT] [--url URL] INDICATOR...\n" +
			"  cloudtap intel remove [--type T] [--source S] INDICATOR...\n" +
			"  cloudtap intel list                 (Zeek's intel file format)\n" +
			"  cloudtap intel import FILE...       (Zeek's intel file format; - reads stdin)",
		setup: func(fs *flag.FlagSet, o outputs) func([]string) error {
			redisURL := fs.String("redis", "", "Redis URL and options, as the writer takes them (default $"+logwriter.EnvRedisURL+", else "+logwriter.DefaultRedisURL+")")
			key := fs.String("key", rediskey.DefaultIntel, "the hash of indicators (CloudTap::intel_key); its changes go to {KEY}:changes")
			typ := fs.String("type", "", "add: the indicator type, e.g. Intel::ADDR, Intel::DOMAIN, Intel::URL; remove: only this type")
			source := fs.String("source", "", "add: meta.source, who says so (required); remove: only this source's")
			desc := fs.String("desc", "", "add: meta.desc")
			url := fs.String("url", "", "add: meta.url")
			return func(args []string) error {
				if len(args) == 0 {
					return usagef("want add, remove, list or import")
				}
				cfg, err := logwriter.ParseReaderConfig(*redisURL)
				if err != nil {
					return usagef("%s: %v", o.where("redis"), err)
				}
				store := intel.Store{Key: *key}
				sub, rest := args[0], args[1:]
				var items []intel.Item
				switch sub {
				case "add":
					if len(rest) == 0 {
						return usagef("add: want one or more indicators")
					}
					for _, ind := range rest {
						it := intel.Item{Indicator: ind, Type: *typ, Meta: map[string]string{"source": *source}}
						if *desc != "" {
							it.Meta["desc"] = *desc
						}
						if *url != "" {
							it.Meta["url"] = *url
						}
						if err := it.Check(); err != nil {
							return usagef("add: %v", err)
						}
						items = append(items, it)
					}
				case "remove":
					if len(rest) == 0 {
						return usagef("remove: want one or more indicators")
					}
				case "list":
					if len(rest) > 0 {
						return usagef("list takes no arguments")
					}
				case "import":
					if len(rest) == 0 {
						return usagef("import: want one or more intel files")
					}
					for _, path := range rest {
						f := os.Stdin
						if path != "-" {
							if f, err = os.Open(path); err != nil {
								return err
							}
						}
						got, err := intel.ReadFile(f)
						f.Close()
						if err != nil {
							return fmt.Errorf("%s: %w", path, err)
						}
						items = append(items, got...)
					}
				default:
					return usagef("unknown intel command %q: want add, remove, list or import", sub)
				}
				c, err := logwriter.Dial(cfg.Redis)
				if err != nil {
					return err
				}
				defer c.Close()
				switch sub {
				case "add", "import":
					if err := store.Add(c, items); err != nil {
						return err
					}
					fmt.Fprintf(o.stdout, "%d indicators stored in %s\n", len(items), *key)
				case "remove":
					total := 0
					for _, ind := range rest {
						n, err := store.Remove(c, ind, *typ, *source)
						if err != nil {
							return err
						}
						if n == 0 {
							fmt.Fprintf(o.stderr, "cloudtap intel: %s: no such indicator%s\n", ind, only(*typ, *source))
						}
						total += n
					}
					fmt.Fprintf(o.stdout, "%d indicator entries removed from %s\n", total, *key)
				case "list":
					all, err := store.List(c)
					if err != nil {
						return err
					}
					return intel.WriteFile(o.stdout, all)
				}
				return nil
			}
		},
	})
}

func only(typ, source string) string {
	var parts []string
	if typ != "" {
		parts = append(parts, "of type "+typ)
	}
	if source != "" {
		parts = append(parts, "from "+source)
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}
