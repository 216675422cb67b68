package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/logwriter"
	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// defaultRemember is how long Redis keeps an input's progress record
// after the last run that read the input.
const defaultRemember = 30 * 24 * time.Hour

func init() {
	register("ingest", command{
		summary: "load Zeek logs (JSON or TSV, plain or gzipped) into the Redis hot tier; a re-run stores only what is new",
		usage:   "[--path PATH] [--schema FILE] [--redis URL] [--again] [FILE...]   (no FILE, or -: stdin)",
		setup: func(fs *flag.FlagSet, o outputs) func([]string) error {
			path := fs.String("path", "", "log path (conn, dns, ...) for every record; default: each TSV log's #path (JSON logs need it)")
			schemaFile := fs.String("schema", "", "the log's #fields and #types lines (any Zeek TSV log of that path works): stored for the cold tier, and JSON records are checked against it")
			redisURL := fs.String("redis", "", "hot tier: Redis URL and options, as the writer takes them (default $"+logwriter.EnvRedisURL+", else "+logwriter.DefaultRedisURL+"); its batch-max-records and batch-max-bytes size the groups of records stored at once")
			wait := fs.Duration("wait", time.Minute, "how long to wait for Redis to take each group of records before giving up")
			again := fs.Bool("again", false, "store every record, even those an earlier run stored from the same input")
			remember := fs.Duration("remember", defaultRemember, "how long Redis keeps each input's progress, from the last run that read it; a re-run within it stores only what is new (0: forever)")
			return func(args []string) error {
				cfg, err := logwriter.ParseConfig(*redisURL)
				if err != nil {
					return usagef("%s: %v", o.where("redis"), err)
				}
				if *wait <= 0 {
					return usagef("%s must be positive", o.where("wait"))
				}
				if *remember < 0 {
					return usagef("%s must not be negative", o.where("remember"))
				}
				var schema zeekschema.Schema
				if *schemaFile != "" {
					if schema, err = readSchemaFile(*schemaFile); err != nil {
						return usagef("%s %s: %v", o.where("schema"), *schemaFile, err)
					}
				}
				if len(args) == 0 {
					args = []string{"-"}
				}
				for _, f := range args {
					if _, err := os.Stat(f); f != "-" && err != nil {
						return usagef("%v", err)
					}
				}
				return ingest(o, ingestOptions{
					redis: cfg.Redis, forcedPath: *path, schema: schema,
					wait: *wait, again: *again, remember: *remember,
				}, args)
			}
		},
	})
}

// readSchemaFile reads the header lines at the top of path.
func readSchemaFile(path string) (zeekschema.Schema, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var header []string
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line != "" && !strings.HasPrefix(line, "#") {
			break // a whole TSV log: its header is enough
		}
		header = append(header, line)
	}
	h, err := zeekschema.ParseHeader(header)
	if err != nil {
		return nil, err
	}
	return h.Schema, nil
}

type ingestOptions struct {
	redis      hotstore.Config
	forcedPath string
	schema     zeekschema.Schema // from --schema; nil if not given
	wait       time.Duration
	again      bool
	remember   time.Duration
}

// ingester loads the records of every input, path by path. How a re-run
// stores only what is new: ingest_progress.go.
type ingester struct {
	opts    ingestOptions
	ctl     *control
	probe   *hotstore.Writer // never writes: checks log paths as the writer does
	stopped bool             // a stopError happened: send nothing more
	checker *zeekschema.RecordChecker
	paths   map[string]*pathLog
}

// pathLog is one log path of the run: its schema and its counts.
type pathLog struct {
	key    string
	schema zeekschema.Schema
	// stored: records this run stored; before: records of its inputs that
	// earlier runs stored; inDoubt: records sent that Redis may or may not
	// have taken when the run stopped.
	stored, before, inDoubt int64
}

func ingest(o outputs, opts ingestOptions, files []string) error {
	probe, err := hotstore.New(opts.redis)
	if err != nil {
		return usagef("%s: %v", o.where("redis"), err)
	}
	defer probe.Close(context.Background())
	// Fail fast, with the reason, when Redis is not there at all.
	ctl, err := dialControl(opts.redis, opts.wait, opts.remember)
	if err != nil {
		return err
	}
	defer ctl.close()
	in := &ingester{opts: opts, ctl: ctl, probe: probe, paths: map[string]*pathLog{}}
	if opts.schema != nil {
		in.checker = zeekschema.NewRecordChecker(opts.schema)
	}
	// At a bad line, what came before it is still stored and counted: the
	// report says how far the load got.
	err = in.loadFiles(files)
	in.report(o.stdout)
	return err
}

func (in *ingester) loadFiles(files []string) error {
	for _, name := range files {
		if err := in.loadFile(name); err != nil {
			return err
		}
	}
	return nil
}

func (in *ingester) loadFile(name string) error {
	var r io.Reader = os.Stdin
	label := "stdin"
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return usagef("%v", err)
		}
		defer f.Close()
		r, label = f, name
	}
	lr, err := zeekschema.NewLogReader(r)
	if err != nil {
		return usagef("%s: %v", label, err)
	}
	if lr.Format() == zeekschema.FormatJSON && in.opts.forcedPath == "" {
		return usagef("%s: a JSON log does not name its path: give --path", label)
	}
	inputs := map[string]*input{} // this file's records, per path
	for {
		rec, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return in.finish(label, inputs, true)
		}
		if err != nil {
			return errors.Join(usagef("%s: %v", label, err), in.finish(label, inputs, false))
		}
		if err := in.add(label, inputs, rec); err != nil {
			var stop stopError
			if errors.As(err, &stop) {
				return stop
			}
			return errors.Join(fmt.Errorf("%s: line %d: %w", label, rec.Line, err), in.finish(label, inputs, false))
		}
	}
}

// finish stores what each input of a file holds still; complete says the
// file was read to its end (else a bad line stopped it).
func (in *ingester) finish(label string, inputs map[string]*input, complete bool) error {
	paths := make([]string, 0, len(inputs))
	for p := range inputs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var errs []error
	for _, p := range paths {
		if err := inputs[p].finish(complete); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", label, err))
		}
	}
	return errors.Join(errs...)
}

// add routes one record to its path.
func (in *ingester) add(label string, inputs map[string]*input, rec zeekschema.Record) error {
	path := in.opts.forcedPath
	if path == "" {
		path = rec.Path
	}
	if path == "" {
		return usageError{"the TSV header has no #path: give --path"}
	}
	schema := in.opts.schema
	if rec.Schema != nil { // a TSV row: the schema is its header's
		if in.opts.schema != nil {
			if d := schemaDifference(in.opts.schema, rec.Schema); d != "" {
				return usageError{"the log's header differs from --schema: " + d}
			}
		}
		schema = rec.Schema
	} else if in.checker != nil {
		if err := in.checker.Check(rec.JSON); err != nil {
			return usageError{err.Error()}
		}
	}
	l, err := in.logFor(path, schema)
	if err != nil {
		return err
	}
	inp := inputs[path]
	if inp == nil {
		if inp, err = in.newInput(label, path, l, rec.JSON); err != nil {
			return err
		}
		inputs[path] = inp
	}
	return inp.add(rec.JSON)
}

// logFor returns the run's state of path, storing its schema for the cold
// tier the first time.
func (in *ingester) logFor(path string, schema zeekschema.Schema) (*pathLog, error) {
	if l, ok := in.paths[path]; ok {
		if l.schema != nil && schema != nil {
			if d := schemaDifference(l.schema, schema); d != "" {
				return nil, usageError{fmt.Sprintf("log %s: the schema differs from the one loaded before: %s", path, d)}
			}
		}
		return l, nil
	}
	if _, err := in.probe.Open(path); err != nil {
		return nil, usageError{fmt.Sprintf("cloudtap: log %s: %v", path, err)}
	}
	if len(schema) > 0 {
		if err := schema.Check(); err != nil {
			return nil, usageError{fmt.Sprintf("cloudtap: log %s: %v", path, err)}
		}
		if in.opts.redis.Mode != hotstore.ModePubSub { // pub/sub stores nothing
			if err := in.ctl.storeSchema(rediskey.Schema(in.opts.redis.KeyPrefix, path), schema); err != nil {
				return nil, err
			}
		}
	}
	l := &pathLog{key: rediskey.Records(in.opts.redis.KeyPrefix, path), schema: schema}
	in.paths[path] = l
	return l, nil
}

// report prints, per path, what this run stored, what earlier runs had,
// and what is in doubt.
func (in *ingester) report(w io.Writer) {
	paths := make([]string, 0, len(in.paths))
	for p := range in.paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		l := in.paths[p]
		fmt.Fprintf(w, "%s: %d records into %s", p, l.stored, l.key)
		if l.before > 0 {
			fmt.Fprintf(w, ", %d stored before", l.before)
		}
		if l.inDoubt > 0 {
			fmt.Fprintf(w, ", %d IN DOUBT (Redis may have them: run the same ingest again within 24 h to settle them)", l.inDoubt)
		}
		fmt.Fprintln(w)
	}
}

// schemaDifference describes the first difference of two schemas, "" if
// they are the same.
func schemaDifference(a, b zeekschema.Schema) string {
	for i := range max(len(a), len(b)) {
		switch {
		case i >= len(a):
			return fmt.Sprintf("field %d %q is new", i+1, b[i].Name)
		case i >= len(b):
			return fmt.Sprintf("field %d %q is missing", i+1, a[i].Name)
		case a[i] != b[i]:
			return fmt.Sprintf("field %d is %s %s, not %s %s", i+1, b[i].Name, b[i].Type, a[i].Name, a[i].Type)
		}
	}
	return ""
}
