package coldstore

import "fmt"

// IndexMode says where documents go.
type IndexMode string

const (
	// IndexDaily writes to one index per path and UTC day of the record's
	// ts: zeek-conn-2024.05.01. Re-delivered records overwrite themselves
	// (op_type index with a deterministic _id).
	IndexDaily IndexMode = "daily"
	// IndexDataStream writes to the data stream logs-zeek.<path>-<namespace>
	// (Elastic's naming scheme: type-dataset-namespace). Data streams only
	// take op_type create; a re-delivered record answers 409 and counts as
	// shipped.
	IndexDataStream IndexMode = "datastream"
)

// ParseIndexMode reads "daily" or "datastream".
func ParseIndexMode(s string) (IndexMode, error) {
	switch m := IndexMode(s); m {
	case IndexDaily, IndexDataStream:
		return m, nil
	}
	return "", fmt.Errorf("want daily or datastream")
}
