package coldstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseZeekTime reads a Zeek time value as Zeek's JSON writer renders it:
// epoch seconds as a number with up to nine decimals (the default,
// JSON::TS_EPOCH), or an ISO 8601 / RFC 3339 string (JSON::TS_ISO8601).
// Epoch seconds are read digit by digit, not through a float64, so that
// microseconds survive.
func parseZeekTime(raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return time.Time{}, fmt.Errorf("empty time")
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, fmt.Errorf("time %s: %w", raw, err)
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("time %q is neither epoch seconds nor ISO 8601", s)
		}
		return t, nil
	}
	return parseEpochSeconds(string(raw))
}

// parseEpochSeconds reads "1700000000.123456" (also negative, or with an
// exponent, which Zeek never writes but JSON allows).
func parseEpochSeconds(s string) (time.Time, error) {
	bad := errNotATime{s}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, bad
		}
		// A float64 holds epoch seconds to about a microsecond, Zeek's
		// own precision; round away the float's noise below it.
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).Round(time.Microsecond).UTC(), nil
	}
	intPart, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || intPart == "" || intPart == "-" {
		return time.Time{}, bad
	}
	var nsec int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		n, err := strconv.ParseUint(frac, 10, 64)
		if err != nil {
			return time.Time{}, bad
		}
		nsec = int64(n)
		for i := len(frac); i < 9; i++ {
			nsec *= 10
		}
	}
	if strings.HasPrefix(intPart, "-") {
		nsec = -nsec
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// errNotATime is made only when a time is bad: parseEpochSeconds runs
// for every record shipped.
type errNotATime struct{ s string }

func (e errNotATime) Error() string {
	return fmt.Sprintf("time %s is neither epoch seconds nor ISO 8601", e.s)
}

// entryTime is the arrival time in a stream entry ID ("1700000000123-0"),
// used for records that have no ts of their own.
func entryTime(id string) (time.Time, error) {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("stream entry ID %q: not <milliseconds>-<sequence>", id)
	}
	return time.UnixMilli(n).UTC(), nil
}
