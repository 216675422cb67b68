package redistest

import (
	"fmt"
	"net"
)

// freeLoopbackPort asks the kernel for a port that is free right now on
// 127.0.0.1. Another process could take it before redis-server binds it;
// startup then fails with a clear error rather than talking to a stranger.
func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
