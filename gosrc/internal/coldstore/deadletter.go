package coldstore

import (
	_ "embed"
	"fmt"

	"github.com/gomodule/redigo/redis"
)

//go:embed deadletter.lua
var deadLetterSource string

// deadLetterScript is immutable once built; redigo sends EVALSHA and
// falls back to EVAL when the server has not seen it.
var deadLetterScript = redis.NewScript(2, deadLetterSource)

// refused is one record for the dead-letter stream.
type refused struct {
	entry
	Index  string // where it was meant to go; "" if it never got that far
	Status int    // HTTP status of the refusal; 0 when refused before sending
	Reason string
}

// deadLetter moves records to the dead-letter stream of their path with
// the reason, and acknowledges them (see deadletter.lua). It returns how
// many it moved; records another shipper already moved are not counted.
func deadLetter(c redis.Conn, g *groupReader, deadKey string, maxLen int64, recs []refused) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	args := redis.Args{g.key, deadKey, g.group, maxLen}
	for _, r := range recs {
		rec := r.Record
		if rec == nil {
			rec = []byte{}
		}
		args = append(args, r.ID, rec, r.Reason, r.Index, r.Status)
	}
	n, err := redis.Int(deadLetterScript.Do(c, args...))
	if err != nil {
		return 0, fmt.Errorf("dead-letter %d records of %s to %s: %w", len(recs), g.key, deadKey, err)
	}
	return n, nil
}
