package logwriter

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/backoff"
	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// schemaPublication stores one log's schema at its SchemaKey, so that a
// shipper in another process can build index mappings from it. Like the
// records, it never needs Redis up when the log opens: it retries with the
// writer's backoff until it lands or is abandoned (its log or the writer
// closes).
type schemaPublication struct {
	key     string
	done    chan struct{} // closed once stored
	stop    chan struct{} // closed by abandon
	stopped sync.Once
	cancel  context.CancelFunc // called by abandon

	mu      sync.Mutex
	lastErr error
}

func (p *schemaPublication) setErr(err error) {
	p.mu.Lock()
	p.lastErr = err
	p.mu.Unlock()
}

// abandon stops the retries.
func (p *schemaPublication) abandon() {
	p.stopped.Do(func() {
		close(p.stop)
		p.cancel() // ends a connect or SET that waits on a hung server
	})
}

// wait returns nil once the schema is stored, or an error naming why not
// when ctx ends or the publication is abandoned first. A nil publication
// (no schema) is always done.
func (p *schemaPublication) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	var why error
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		why = ctx.Err()
	case <-p.stop:
		why = hotstore.ErrClosed
	}
	select {
	case <-p.done: // both ready: stored wins
		return nil
	default:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Errorf("schema not stored at %s (last error: %v): %w", p.key, p.lastErr, why)
}

// startPublication begins storing schema at key. wg counts the retrying
// goroutine, so that the writer can wait for it to end.
func startPublication(cfg hotstore.Config, key string, schema zeekschema.Schema, wg *sync.WaitGroup) (*schemaPublication, error) {
	body, err := json.Marshal(schema)
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &schemaPublication{key: key, done: make(chan struct{}), stop: make(chan struct{}), cancel: cancel}
	wg.Add(1)
	go func() {
		defer wg.Done()
		bo := backoff.New(cfg.BackoffMin, cfg.BackoffMax)
		for {
			err := storeSchema(ctx, cfg, key, body)
			if err == nil {
				close(p.done)
				return
			}
			p.setErr(err)
			t := time.NewTimer(bo.Wait())
			select {
			case <-p.stop:
				t.Stop()
				return
			case <-t.C:
			}
		}
	}()
	return p, nil
}

func storeSchema(ctx context.Context, cfg hotstore.Config, key string, body []byte) error {
	d, err := NewDialer(cfg)
	if err != nil {
		return err
	}
	c, err := d.DialContext(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	do := c.Do // a cluster's routed connection has no DoContext
	if cc, ok := c.(redis.ConnWithContext); ok {
		do = func(cmd string, args ...any) (any, error) { return cc.DoContext(ctx, cmd, args...) }
	}
	if _, err := do("SET", key, body); err != nil {
		return fmt.Errorf("SET %s: %w", key, err)
	}
	return nil
}
