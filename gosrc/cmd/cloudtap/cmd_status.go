package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/logwriter"
	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

func init() {
	register("status", command{
		summary: "show each log's stream length, cold-tier lag, pending and dead-letter counts",
		usage:   "[PATH...] [--group NAME] [--redis URL]",
		setup: func(fs *flag.FlagSet, o outputs) func([]string) error {
			group := fs.String("group", "", "the cold tier's consumer group (default: protect-group of --redis, else "+rediskey.DefaultGroup+"); LAG and PENDING show - while the stream or the group does not exist")
			redisURL := fs.String("redis", "", "hot tier: Redis URL and options, as the writer takes them (default $"+logwriter.EnvRedisURL+", else "+logwriter.DefaultRedisURL+")")
			return func(paths []string) error {
				cfg, err := logwriter.ParseReaderConfig(*redisURL)
				if err != nil {
					return usagef("%s: %v", o.where("redis"), err)
				}
				if cfg.Redis.Mode != hotstore.ModeStream {
					return usagef("%s: status reads streams; mode=%s keeps no stream", o.where("redis"), cfg.Redis.Mode)
				}
				g := *group
				if g == "" {
					g = cfg.Redis.ProtectGroup
				}
				if g == "" {
					g = rediskey.DefaultGroup
				}
				d, err := logwriter.NewDialer(cfg.Redis)
				if err != nil {
					return err
				}
				prefix := cfg.Redis.KeyPrefix
				if len(paths) == 0 {
					// On every node of a cluster, as the cold tier finds them.
					if paths, err = d.StreamPaths(prefix); err != nil {
						return err
					}
				}
				c, err := d.Dial()
				if err != nil {
					return err
				}
				defer c.Close()
				rows := make([]statusRow, 0, len(paths))
				for _, p := range paths {
					row, err := readStatus(c, prefix, p, g)
					if err != nil {
						return err
					}
					rows = append(rows, row)
				}
				return printStatus(o.stdout, rows, prefix, g)
			}
		},
	})
}

// statusRow is one log path. Counts the server does not have are nil:
// the stream or the group does not exist (yet).
type statusRow struct {
	path    string
	length  *int64
	lag     *int64
	lagNote string // why lag is unknown although the group exists
	pending *int64
	dead    int64
}

func readStatus(c redis.Conn, prefix, path, group string) (statusRow, error) {
	row := statusRow{path: path}
	key := rediskey.Records(prefix, path)
	n, err := redis.Int64(c.Do("EXISTS", key))
	if err != nil {
		return row, fmt.Errorf("EXISTS %s: %w", key, err)
	}
	if n == 1 {
		length, err := redis.Int64(c.Do("XLEN", key))
		if err != nil {
			return row, fmt.Errorf("XLEN %s: %w", key, err)
		}
		row.length = &length
		if err := readGroup(c, key, group, &row); err != nil {
			return row, err
		}
	}
	// Dead letters of a version before 0.2 too, under the untagged name.
	for _, deadKey := range []string{rediskey.DeadLetter(prefix, path), rediskey.LegacyDeadLetter(prefix, path)} {
		n, err := redis.Int64(c.Do("XLEN", deadKey))
		if err != nil {
			return row, fmt.Errorf("XLEN %s: %w", deadKey, err)
		}
		row.dead += n
	}
	return row, nil
}

// readGroup fills lag and pending from XINFO GROUPS (Redis 7: "lag" is
// nil when the server cannot tell, after deletions in the stream).
func readGroup(c redis.Conn, key, group string, row *statusRow) error {
	groups, err := redis.Values(c.Do("XINFO", "GROUPS", key))
	if err != nil {
		return fmt.Errorf("XINFO GROUPS %s: %w", key, err)
	}
	for _, g := range groups {
		info, err := redis.Values(g, nil)
		if err != nil {
			return fmt.Errorf("XINFO GROUPS %s: %w", key, err)
		}
		fields := map[string]any{}
		for i := 0; i+1 < len(info); i += 2 {
			name, _ := redis.String(info[i], nil)
			fields[name] = info[i+1]
		}
		if name, _ := redis.String(fields["name"], nil); name != group {
			continue
		}
		pending, err := redis.Int64(fields["pending"], nil)
		if err != nil {
			return fmt.Errorf("XINFO GROUPS %s: pending: %w", key, err)
		}
		row.pending = &pending
		if lag, err := redis.Int64(fields["lag"], nil); err == nil {
			row.lag = &lag
		} else {
			row.lagNote = "?"
		}
		return nil
	}
	return nil
}

func printStatus(w io.Writer, rows []statusRow, prefix, group string) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintf(w, "no log streams under %q\n", prefix)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "PATH\tLENGTH\tLAG (%s)\tPENDING\tDEAD\n", group)
	for _, r := range rows {
		lag := orDash(r.lag)
		if r.lagNote != "" {
			lag = r.lagNote
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", r.path, orDash(r.length), lag, orDash(r.pending), r.dead)
	}
	return tw.Flush()
}

func orDash(n *int64) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatInt(*n, 10)
}
