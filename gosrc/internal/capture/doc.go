// Package capture receives mirrored traffic the way a cloud sensor gets it
// (UDP sockets for VXLAN and GENEVE, a raw IP socket for GRE and ERSPAN,
// capture files for offline work), strips the tunnels with package decap,
// refuses sources outside an allowlist, keeps only chosen mirror sessions and
// this worker's share of flows, and hands packets out in batches.
//
// Nothing here runs in the background: ReadBatch receives whatever the
// kernel has queued, without blocking, on the caller's thread. The socket
// receive buffers do the queueing, and Fd gives the caller (Zeek's IO loop)
// one descriptor to sleep on until packets arrive.
package capture
