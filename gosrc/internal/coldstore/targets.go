package coldstore

import (
	"strings"
	"time"
)

// targets names the indices (or data streams) and templates of every path
// for one configuration.
type targets struct {
	mode      IndexMode
	ecs       bool   // ECS documents, always into data streams
	prefix    string // daily indices
	namespace string // data streams
}

func newTargets(c *Config) targets {
	t := targets{mode: c.IndexMode, prefix: c.IndexPrefix, namespace: c.Namespace, ecs: c.Format == FormatECS}
	if t.ecs {
		t.mode = IndexDataStream
	}
	return t
}

// dataset is the data stream dataset of a path; ECS documents take the
// names of Elastic's Zeek integration (zeek.connection for conn).
func (t targets) dataset(path string) string {
	if t.ecs {
		return ecsDataset(path)
	}
	return zeekDataset(path)
}

// zeekDataset is "zeek." and the path. "-" separates the parts of a data
// stream name, so a path's own "-" becomes "_".
func zeekDataset(path string) string { return "zeek." + strings.ReplaceAll(path, "-", "_") }

// index is where a record of path stamped t goes: the UTC day's index, or
// the path's data stream (which rolls over by itself).
func (t targets) index(path string, ts time.Time) string {
	if t.mode == IndexDataStream {
		return "logs-" + t.dataset(path) + "-" + t.namespace
	}
	return t.prefix + "-" + path + "-" + ts.UTC().Format("2006.01.02")
}

// pattern matches every index or data stream of path.
func (t targets) pattern(path string) string {
	if t.mode == IndexDataStream {
		return "logs-" + t.dataset(path) + "-*"
	}
	return t.prefix + "-" + path + "-*"
}

// templateName is the index template of path; "cloudtap-" says who
// manages it.
func (t targets) templateName(path string) string {
	if t.mode == IndexDataStream {
		return "cloudtap-logs-" + t.dataset(path)
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
