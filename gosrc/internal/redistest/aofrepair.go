package redistest

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Why the append-only file is repaired by redis-check-aof instead of by
// Redis itself:
//
// Redis writes a Lua script's effects to the append-only file as one
// MULTI … EXEC block. A SIGKILL (or a power cut) can leave only the first
// part of that block on disk. With Redis's default "aof-load-truncated yes",
// Redis 7.0 (Debian's 7.0.15 among them) then cuts the file after the last
// whole command, which is inside the block: the half transaction is not
// applied at that start, but its MULTI stays in the file. The next
// transaction written after the restart is appended to it, so at the
// following restart the half block is replayed together with the next one
// and its records come back from the dead. Valkey fixed this in 2026
// (valkey-io/valkey#4342). A writer that resends the lost batch, as it must,
// then finds it stored twice.
//
// redis-check-aof --fix cuts the file before the incomplete MULTI, which is
// right. So the test server runs with "aof-load-truncated no", which makes
// Redis refuse to start on a torn file, and Restart runs the repair the
// refusal asks for: what an operator is told to do, and what the README
// recommends for deployments that need exactly-once across crashes.

// aofRepairHint is the line Redis 7 logs when it refuses a torn file.
const aofRepairHint = "redis-check-aof --fix"

// needsAOFRepair reports whether the start that logged from offset logFrom
// of redis.log on failed on a torn append-only file.
func (s *Server) needsAOFRepair(logFrom int64) bool {
	return s.opts.AppendOnly && strings.Contains(s.logSince(logFrom), aofRepairHint)
}

// repairAOF runs redis-check-aof --fix on the server's manifest, answering
// its confirmation prompt, and keeps its report for AOFRepairs.
func (s *Server) repairAOF() error {
	tool, err := checkAOFPath(s.binary)
	if err != nil {
		return err
	}
	manifest := filepath.Join(s.Dir, "appendonlydir", "appendonly.aof.manifest")
	cmd := exec.Command(tool, "--fix", manifest)
	cmd.Dir = s.Dir
	cmd.Stdin = strings.NewReader("y\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s --fix %s: %w\n%s", tool, manifest, err, out)
	}
	s.mu.Lock()
	s.repairs = append(s.repairs, string(out))
	s.mu.Unlock()
	return nil
}

// AOFRepairs returns the reports of every redis-check-aof --fix run by
// Restart, oldest first.
func (s *Server) AOFRepairs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.repairs...)
}

// checkAOFPath finds redis-check-aof: on PATH, else beside redis-server.
func checkAOFPath(redisServer string) (string, error) {
	if p, err := exec.LookPath("redis-check-aof"); err == nil {
		return p, nil
	}
	p := filepath.Join(filepath.Dir(redisServer), "redis-check-aof")
	if _, err := exec.LookPath(p); err != nil {
		return "", fmt.Errorf("redis-check-aof not found on PATH nor beside %s (Debian: apt-get install redis-tools): %w", redisServer, err)
	}
	return p, nil
}
