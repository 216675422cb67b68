package hotstore

import (
	"fmt"

	"github.com/gomodule/redigo/redis"
)

// deliverBatch delivers one batch and waits for the reply: send, flush,
// receive on a connection with nothing else in flight.
func deliverBatch(c redis.Conn, cfg *Config, key, marker string, base uint64, b *batch) (int, error) {
	if err := loadScript(c); err != nil {
		return 0, err
	}
	if err := sendBatch(c, cfg, key, marker, base, b); err != nil {
		return 0, err
	}
	if err := c.Flush(); err != nil {
		return 0, fmt.Errorf("send batch %d to %s: %w", b.seq, key, err)
	}
	return receiveBatch(c, key, b)
}
