package hotstore

import "fmt"

// Mode is how records are stored in Redis.
type Mode string

const (
	// ModeStream appends each record to a Redis Stream named prefix+path
	// with XADD, the JSON in a single field "json". This is the default: a
	// stream keeps order, is readable with XRANGE/XREVRANGE, has IDs that
	// carry the arrival time (so retention by age is possible), and supports
	// consumer groups for the cold tier.
	ModeStream Mode = "stream"
	// ModeList appends each raw JSON line to a list with RPUSH, the layout
	// Logstash's redis input (data_type => list) and Filebeat's redis output
	// use.
	ModeList Mode = "list"
	// ModePubSub publishes each raw JSON line on channel prefix+path for live
	// fan-out. Nothing is stored: subscribers that are not connected miss it.
	ModePubSub Mode = "pubsub"
)

// ParseMode accepts "stream", "list" or "pubsub".
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeStream, ModeList, ModePubSub:
		return m, nil
	}
	return "", fmt.Errorf("unknown mode %q (want stream, list or pubsub)", s)
}
