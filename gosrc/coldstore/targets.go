package coldstore

import (
	"strings"
	"time"
)

// targets names the indices (or data streams) and templates of every path
// for one configuration.
type targets struct {
	mode      IndexMode
	prefix    string // daily indices
	namespace string // data streams
}

func newTargets(c *Config) targets {
	return targets{mode: c.IndexMode, prefix: c.IndexPrefix, namespace: c.Namespace}
}

// dataset is the data stream dataset of a path. "-" separates the parts of
// a data stream name, so a path's own "-" becomes "_".
func dataset(path string) string { return "zeek." + strings.ReplaceAll(path, "-", "_") }

// index is where a record of path stamped t goes: the UTC day's index, or
// the path's data stream (which rolls over by itself).
func (t targets) index(path string, ts time.Time) string {
	if t.mode == IndexDataStream {
		return "logs-" + dataset(path) + "-" + t.namespace
	}
	return t.prefix + "-" + path + "-" + ts.UTC().Format("2006.01.02")
}

// pattern matches every index or data stream of path.
func (t targets) pattern(path string) string {
	if t.mode == IndexDataStream {
		return "logs-" + dataset(path) + "-*"
	}
	return t.prefix + "-" + path + "-*"
}

// templateName is the index template of path; "cloudtap-" says who
// manages it.
func (t targets) templateName(path string) string {
	if t.mode == IndexDataStream {
		return "cloudtap-logs-" + dataset(path)
	}
	return "cloudtap-" + t.prefix + "-" + path
}

// opType is the bulk action: data streams only accept create.
func (t targets) opType() string {
	if t.mode == IndexDataStream {
		return "create"
	}
	return "index"
}
