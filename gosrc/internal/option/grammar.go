package option

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// The one grammar of values, whatever the surface.

// ParseSize reads a byte count: a whole number with an optional binary
// suffix, k or K or KiB (1024), M or MiB, G or GiB. "1M" and "1MiB" are
// both 1048576. MB, kB and the like are refused rather than guessed at:
// some tools read them as powers of 1000.
func ParseSize(v string) (int64, error) {
	num, mult := v, int64(1)
	for _, s := range sizeSuffixes {
		if strings.HasSuffix(v, s.suffix) {
			num, mult = strings.TrimSuffix(v, s.suffix), s.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, errors.New(want(KindSize))
	}
	if n > math.MaxInt64/mult {
		return 0, errors.New("too large")
	}
	return n * mult, nil
}

// sizeSuffixes, longest first so that "KiB" is not read as "B".
var sizeSuffixes = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"k", 1 << 10}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30},
}

// FormatSize writes n the way ParseSize reads it, in the largest unit that
// divides it: 67108864 is "64MiB".
func FormatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// ParseDuration reads a Go duration: 500ms, 30s, 5m, 1h30m; a bare 0 too.
// Negative durations are refused.
func ParseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, errors.New(want(KindDuration))
	}
	return d, nil
}

// FormatDuration writes d the way ParseDuration reads it, without Go's
// trailing zero units: 1m rather than 1m0s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// ParseBool reads true/false, yes/no, on/off, 1/0 (any case).
func ParseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, errors.New(want(KindBool))
}

// ParseCount reads a whole number, 0 or more.
func ParseCount(v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errors.New(want(KindCount))
	}
	return n, nil
}

// SplitList reads a comma-separated list, ignoring spaces around items
// and empty items.
func SplitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// want says what a kind of value looks like.
func want(k Kind) string {
	switch k {
	case KindBool:
		return "want true or false (or yes/no, on/off)"
	case KindCount:
		return "want a whole number, 0 or more"
	case KindSize:
		return "want a byte count such as 1048576, 512k, 64M, 64MiB or 1G"
	case KindDuration:
		return "want a duration such as 500ms, 30s, 5m or 24h"
	case KindList:
		return "want a comma-separated list"
	}
	return "want text"
}
