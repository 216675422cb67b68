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

	"github.com/cloudtap/cloudtap/gosrc/logwriter"
	"github.com/cloudtap/cloudtap/gosrc/zeekschema"
)

func init() {
	register("ingest", command{
		summary: "load Zeek logs (JSON or TSV, plain or gzipped) into the Redis hot tier",
		usage:   "[--path PATH] [--schema FILE] [--redis URL] [FILE...]   (no FILE, or -: stdin)",
		setup: func(fs *flag.FlagSet, o outputs) func([]string) error {
			path := fs.String("path", "", "log path (conn, dns, ...) for every record; default: each TSV log's #path (JSON logs need it)")
			schemaFile := fs.String("schema", "", "the log's #fields and #types lines (any Zeek TSV log of that path works): stored for the cold tier, and JSON records are checked against it")
			redisURL := fs.String("redis", "", "hot tier: Redis URL and options, as the writer takes them (default $"+logwriter.EnvRedisURL+", else "+logwriter.DefaultRedisURL+")")
			wait := fs.Duration("wait", time.Minute, "how long to wait for Redis (buffer room, final delivery) before giving up")
			return func(args []string) error {
				cfg, err := logwriter.ParseConfig(*redisURL)
				if err != nil {
					return usagef("%s: %v", o.where("redis"), err)
				}
				if *wait <= 0 {
					return usagef("%s must be positive", o.where("wait"))
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
				// Backfill waits for Redis rather than drop: the records are
				// in a file, not arriving live.
				cfg.Redis.BlockTimeout, cfg.CloseTimeout = *wait, *wait
				return ingest(o, cfg, *path, schema, args)
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

// ingester loads records into one writer, opening each path's log once.
type ingester struct {
	w          *logwriter.Writer
	forcedPath string
	schema     zeekschema.Schema // from --schema; nil if not given
	checker    *zeekschema.RecordChecker
	logs       map[string]*ingestLog
}

// ingestLog is one open log and the batch gathering for it.
type ingestLog struct {
	log    *logwriter.Log
	schema zeekschema.Schema
	batch  [][]byte
}

const ingestBatch = 1000

func ingest(o outputs, cfg logwriter.Config, path string, schema zeekschema.Schema, files []string) error {
	// Fail fast, with the reason, when Redis is not there at all; the
	// writer itself would only buffer and wait.
	c, err := logwriter.Dial(cfg.Redis)
	if err == nil {
		_, err = c.Do("PING")
		c.Close()
	}
	if err != nil {
		return err
	}
	w, err := logwriter.New(cfg)
	if err != nil {
		return usagef("%s: %v", o.where("redis"), err)
	}
	in := &ingester{w: w, forcedPath: path, schema: schema, logs: map[string]*ingestLog{}}
	if schema != nil {
		in.checker = zeekschema.NewRecordChecker(schema)
	}
	// At a bad line, what came before it is still delivered and counted:
	// the report says how far the load got.
	loadErr := in.loadFiles(files)
	sendErr := in.sendBatches()
	closeErr := w.Close(context.Background()) // bounded by --wait
	in.report(o.stdout)
	for _, err := range []error{loadErr, sendErr, closeErr} {
		if err != nil {
			return err
		}
	}
	return nil
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
	if lr.Format() == zeekschema.FormatJSON && in.forcedPath == "" {
		return usagef("%s: a JSON log does not name its path: give --path", label)
	}
	for {
		rec, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return usagef("%s: %v", label, err)
		}
		if err := in.add(rec); err != nil {
			return fmt.Errorf("%s: line %d: %w", label, rec.Line, err)
		}
	}
}

// add routes one record to its path's log.
func (in *ingester) add(rec zeekschema.Record) error {
	path := in.forcedPath
	if path == "" {
		path = rec.Path
	}
	if path == "" {
		return usageError{"the TSV header has no #path: give --path"}
	}
	schema := in.schema
	if rec.Schema != nil { // a TSV row: the schema is its header's
		if in.schema != nil {
			if d := schemaDifference(in.schema, rec.Schema); d != "" {
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
	l.batch = append(l.batch, rec.JSON)
	if len(l.batch) >= ingestBatch {
		return l.send()
	}
	return nil
}

func (in *ingester) logFor(path string, schema zeekschema.Schema) (*ingestLog, error) {
	if l, ok := in.logs[path]; ok {
		if l.schema != nil && schema != nil {
			if d := schemaDifference(l.schema, schema); d != "" {
				return nil, usageError{fmt.Sprintf("log %s: the schema differs from the one loaded before: %s", path, d)}
			}
		}
		return l, nil
	}
	log, err := in.w.OpenLog(path, schema)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	l := &ingestLog{log: log, schema: schema}
	in.logs[path] = l
	return l, nil
}

func (l *ingestLog) send() error {
	err := l.log.Write(l.batch)
	l.batch = l.batch[:0]
	return err
}

func (in *ingester) sendBatches() error {
	for _, l := range in.logs {
		if len(l.batch) > 0 {
			if err := l.send(); err != nil {
				return err
			}
		}
	}
	return nil
}

// report prints, per path, how many records Redis acknowledged.
func (in *ingester) report(w io.Writer) {
	paths := make([]string, 0, len(in.logs))
	for p := range in.logs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		st := in.logs[p].log.Stats()
		fmt.Fprintf(w, "%s: %d records into %s", p, st.Written, in.logs[p].log.Key())
		if st.Dropped > 0 {
			fmt.Fprintf(w, ", %d DROPPED", st.Dropped)
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
