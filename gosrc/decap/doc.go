// Package decap strips the tunnels that clouds and switches use to mirror
// traffic (VXLAN, GENEVE, GRE, ERSPAN I/II/III) and returns the inner frame
// with the metadata a sensor needs: which tunnels were removed, the mirror
// session (VNI or ERSPAN session id), GENEVE options and the outer addresses.
//
// The decoder never allocates and never panics on bad input: it fills a
// caller-owned Packet whose slices point into the input, and reports a
// malformed packet as a Reason, a small comparable value that callers count.
// Tunnel headers are a few bytes each, so they are parsed by hand here rather
// than through gopacket's layer objects, whose GENEVE options and interface
// values would allocate on every packet.
package decap
