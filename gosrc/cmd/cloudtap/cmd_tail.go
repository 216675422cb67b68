package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/logwriter"
	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
	"github.com/cloudtap/cloudtap/gosrc/internal/streamreply"
)

func init() {
	register("tail", command{
		summary: "print a log's records from the Redis hot tier",
		usage:   "PATH [--count N] [--follow] [--redis URL]",
		setup: func(fs *flag.FlagSet, o outputs) func([]string) error {
			count := fs.Int("count", 0, "without --follow: the newest N records (default 10); with --follow: stop after N new records (default: until interrupted)")
			follow := fs.Bool("follow", false, "print records as they arrive (stream and pubsub modes; pubsub always follows)")
			redisURL := fs.String("redis", "", "hot tier: Redis URL and options, as the writer takes them (default $"+logwriter.EnvRedisURL+", else "+logwriter.DefaultRedisURL+")")
			return func(args []string) error {
				if len(args) != 1 {
					return usagef("want one log path, e.g. cloudtap tail conn")
				}
				if *count < 0 {
					return usagef("%s must not be negative", o.where("count"))
				}
				cfg, err := logwriter.ParseReaderConfig(*redisURL)
				if err != nil {
					return usagef("%s: %v", o.where("redis"), err)
				}
				t := tailer{out: o.stdout, key: rediskey.Records(cfg.Redis.KeyPrefix, args[0]), count: *count}
				mode := cfg.Redis.Mode
				if mode == hotstore.ModeList && *follow {
					return usagef("%s needs mode=stream or pubsub: a trimmed list does not show what is new", o.where("follow"))
				}
				ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				c, err := logwriter.Dial(cfg.Redis)
				if err != nil {
					return err
				}
				defer c.Close()
				switch {
				case mode == hotstore.ModePubSub:
					return t.subscribe(ctx, c)
				case mode == hotstore.ModeList:
					return t.lastOfList(c)
				case *follow:
					return t.followStream(ctx, c)
				}
				return t.lastOfStream(c)
			}
		},
	})
}

// tailer prints the records of one key, one Zeek JSON line each.
type tailer struct {
	out   io.Writer
	key   string
	count int
}

// defaultTail is how many records tail shows without --count, as tail(1).
const defaultTail = 10

func (t tailer) newest() int {
	if t.count == 0 {
		return defaultTail
	}
	return t.count
}

// checkType refuses a key holding another kind of value than the mode
// writes, which means --redis names the wrong mode or prefix.
func (t tailer) checkType(c redis.Conn, want string) error {
	typ, err := redis.String(c.Do("TYPE", t.key))
	if err != nil {
		return fmt.Errorf("TYPE %s: %w", t.key, err)
	}
	switch typ {
	case want:
		return nil
	case "none":
		return fmt.Errorf("%s does not exist: no records yet, or another prefix or database", t.key)
	}
	return fmt.Errorf("%s is a %s, not a %s: give the mode it was written with (mode=%s)", t.key, typ, want, modeOfType(typ))
}

func modeOfType(typ string) string {
	if typ == "list" {
		return "list"
	}
	return "stream"
}

// lastOfStream prints the newest records, oldest first.
func (t tailer) lastOfStream(c redis.Conn) error {
	if err := t.checkType(c, "stream"); err != nil {
		return err
	}
	reply, err := c.Do("XREVRANGE", t.key, "+", "-", "COUNT", t.newest())
	if err != nil {
		return fmt.Errorf("XREVRANGE %s: %w", t.key, err)
	}
	entries, err := streamreply.Entries(reply)
	if err != nil {
		return fmt.Errorf("XREVRANGE %s: %w", t.key, err)
	}
	lines := make([]string, len(entries))
	for i, e := range entries {
		if lines[len(entries)-1-i], err = entryRecord(e); err != nil {
			return fmt.Errorf("%s: %w", t.key, err)
		}
	}
	return t.print(lines)
}

func (t tailer) lastOfList(c redis.Conn) error {
	if err := t.checkType(c, "list"); err != nil {
		return err
	}
	lines, err := redis.Strings(c.Do("LRANGE", t.key, -t.newest(), -1))
	if err != nil {
		return fmt.Errorf("LRANGE %s: %w", t.key, err)
	}
	return t.print(lines)
}

func (t tailer) print(lines []string) error {
	for _, l := range lines {
		if _, err := fmt.Fprintln(t.out, l); err != nil {
			return err
		}
	}
	return nil
}

// followBlock is how long one XREAD waits, so that an interrupt is
// noticed between reads.
const followBlockMs = 500

// followStream prints records added after it starts, until interrupted
// or --count records.
func (t tailer) followStream(ctx context.Context, c redis.Conn) error {
	last := "$"
	for printed := 0; t.count == 0 || printed < t.count; {
		if ctx.Err() != nil {
			return nil
		}
		reply, err := c.Do("XREAD", "COUNT", 1000, "BLOCK", followBlockMs, "STREAMS", t.key, last)
		if err != nil {
			return fmt.Errorf("XREAD %s: %w", t.key, err)
		}
		// None when nothing new came within the block time.
		entries, err := streamreply.OneStream(reply)
		if err != nil {
			return fmt.Errorf("XREAD %s: %w", t.key, err)
		}
		for _, e := range entries {
			line, err := entryRecord(e)
			if err != nil {
				return fmt.Errorf("%s: %w", t.key, err)
			}
			if _, err := fmt.Fprintln(t.out, line); err != nil {
				return err
			}
			last = e.ID
			if printed++; t.count > 0 && printed == t.count {
				return nil
			}
		}
	}
	return nil
}

// subscribe prints messages published on the log's channel.
func (t tailer) subscribe(ctx context.Context, c redis.Conn) error {
	sub := redis.PubSubConn{Conn: c}
	if err := sub.Subscribe(t.key); err != nil {
		return fmt.Errorf("SUBSCRIBE %s: %w", t.key, err)
	}
	// Receive blocks; closing the connection on interrupt ends it.
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			c.Close()
		case <-done:
		}
	}()
	for printed := 0; t.count == 0 || printed < t.count; {
		switch m := sub.ReceiveWithTimeout(0).(type) {
		case redis.Message:
			if _, err := fmt.Fprintln(t.out, string(m.Data)); err != nil {
				return err
			}
			printed++
		case redis.Subscription:
			// the confirmation of SUBSCRIBE
		case error:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("SUBSCRIBE %s: %w", t.key, m)
		}
	}
	return nil
}

// entryRecord returns a stream entry's record: the "json" field
// the writer stores, or, for an entry written by something else, all its
// fields as a JSON object.
func entryRecord(e streamreply.Entry) (string, error) {
	if js, ok := e.Field("json"); ok && len(e.Fields) == 2 {
		return string(js), nil
	}
	b, err := json.Marshal(e.Map())
	return string(b), err
}
