package logwriter

import (
	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
)

// clientName is what the writer's own connections (schema publishing) and
// the commands that read logs back call themselves in CLIENT LIST.
const clientName = "cloudtap"

// Dial opens one Redis connection as cfg says (address, user, password,
// database, TLS, timeouts), for work beside the hot tier's own delivery:
// publishing schemas, and the commands that read logs back. It is
// hotstore's Dialer, with this package's client name.
func Dial(cfg hotstore.Config) (redis.Conn, error) {
	d, err := NewDialer(cfg)
	if err != nil {
		return nil, err
	}
	return d.Dial()
}

// NewDialer is the Dialer behind Dial, for commands that need more than
// one connection (listing the paths of every cluster node).
func NewDialer(cfg hotstore.Config) (*hotstore.Dialer, error) {
	return hotstore.NewDialer(cfg, clientName)
}
