package coldstore

import "fmt"

// discover lists the log paths that have a record stream under the key
// prefix, on the server or on every master of a cluster. Paths whose name
// cannot be part of an index name are reported and left out.
func (s *Shipper) discover() ([]string, error) {
	found, err := s.dialer.d.StreamPaths(s.cfg.Redis.KeyPrefix)
	if err != nil {
		return nil, err
	}
	paths := found[:0]
	for _, p := range found {
		if err := checkPath(p); err != nil {
			s.report.report(fmt.Errorf("coldstore: stream %s%s left alone: %w", s.cfg.Redis.KeyPrefix, p, err))
			continue
		}
		paths = append(paths, p)
	}
	return paths, nil
}
