package logwriter

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/zeekschema"
)

// schemaPublication stores one log's schema at its SchemaKey, so that a
// shipper in another process can build index mappings from it. Like the
// records, it never needs Redis up when the log opens: it retries with the
// writer's backoff until it lands or the writer closes.
type schemaPublication struct {
	key  string
	done chan struct{} // closed once stored

	mu      sync.Mutex
	lastErr error
}

func (p *schemaPublication) setErr(err error) {
	p.mu.Lock()
	p.lastErr = err
	p.mu.Unlock()
}

// wait returns nil once the schema is stored, or an error naming why not
// when ctx ends first. A nil publication (no schema) is always done.
func (p *schemaPublication) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		defer p.mu.Unlock()
		return fmt.Errorf("schema not stored at %s (last error: %v): %w", p.key, p.lastErr, ctx.Err())
	}
}

// startPublication begins storing schema at key; stop ends the retries.
func startPublication(cfg hotstore.Config, key string, schema zeekschema.Schema, stop <-chan struct{}, wg *sync.WaitGroup) (*schemaPublication, error) {
	body, err := json.Marshal(schema)
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	p := &schemaPublication{key: key, done: make(chan struct{})}
	wg.Add(1)
	go func() {
		defer wg.Done()
		backoff := cfg.BackoffMin
		for {
			err := storeSchema(cfg, key, body)
			if err == nil {
				close(p.done)
				return
			}
			p.setErr(err)
			t := time.NewTimer(backoff)
			select {
			case <-stop:
				t.Stop()
				return
			case <-t.C:
			}
			backoff = min(2*backoff, cfg.BackoffMax)
		}
	}()
	return p, nil
}

func storeSchema(cfg hotstore.Config, key string, body []byte) error {
	c, err := Dial(cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Do("SET", key, body); err != nil {
		return fmt.Errorf("SET %s: %w", key, err)
	}
	return nil
}
