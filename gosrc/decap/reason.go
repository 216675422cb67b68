package decap

// Reason says why a packet could not be decapsulated. It is an error so that
// decoders can return it directly; being a uint8 it converts to an error
// without allocating, and it can index a counter array.
type Reason uint8

const (
	ReasonNone Reason = iota
	ReasonUnsupportedLink
	ReasonTruncatedEthernet
	ReasonTruncatedIPv4
	ReasonTruncatedIPv6
	ReasonTruncatedUDP
	ReasonTruncatedGRE
	ReasonTruncatedVXLAN
	ReasonTruncatedGENEVE
	ReasonTruncatedERSPAN
	ReasonTruncatedInner
	ReasonBadIPVersion
	ReasonBadIPv4HeaderLength
	ReasonOuterFragment
	ReasonNotTunnel
	ReasonVXLANFlags
	ReasonGENEVEVersion
	ReasonGENEVEProtocol
	ReasonGREVersion
	ReasonGREProtocol
	ReasonERSPANVersion
	ReasonERSPANFrameType
	// Fragments of tunnel packets that could not be reassembled (package
	// ipfrag): no decoder returns these.
	ReasonFragmentBad
	ReasonFragmentOverlap
	ReasonFragmentDuplicate
	ReasonFragmentTooLarge
	ReasonFragmentTooMany
	ReasonFragmentTimeout
	ReasonFragmentEvicted
	// NumReasons sizes counter arrays indexed by Reason.
	NumReasons
)

var reasonNames = [NumReasons]string{
	ReasonNone:                "none",
	ReasonUnsupportedLink:     "unsupported_link_type",
	ReasonTruncatedEthernet:   "truncated_ethernet",
	ReasonTruncatedIPv4:       "truncated_ipv4",
	ReasonTruncatedIPv6:       "truncated_ipv6",
	ReasonTruncatedUDP:        "truncated_udp",
	ReasonTruncatedGRE:        "truncated_gre",
	ReasonTruncatedVXLAN:      "truncated_vxlan",
	ReasonTruncatedGENEVE:     "truncated_geneve",
	ReasonTruncatedERSPAN:     "truncated_erspan",
	ReasonTruncatedInner:      "truncated_inner",
	ReasonBadIPVersion:        "bad_ip_version",
	ReasonBadIPv4HeaderLength: "bad_ipv4_header_length",
	ReasonOuterFragment:       "outer_fragment",
	ReasonNotTunnel:           "not_a_tunnel",
	ReasonVXLANFlags:          "vxlan_flags",
	ReasonGENEVEVersion:       "geneve_version",
	ReasonGENEVEProtocol:      "geneve_protocol",
	ReasonGREVersion:          "gre_version",
	ReasonGREProtocol:         "gre_protocol",
	ReasonERSPANVersion:       "erspan_version",
	ReasonERSPANFrameType:     "erspan_frame_type",
	ReasonFragmentBad:         "fragment_bad",
	ReasonFragmentOverlap:     "fragment_overlap",
	ReasonFragmentDuplicate:   "fragment_duplicate",
	ReasonFragmentTooLarge:    "fragment_too_large",
	ReasonFragmentTooMany:     "fragment_too_many",
	ReasonFragmentTimeout:     "fragment_timeout",
	ReasonFragmentEvicted:     "fragment_evicted",
}

var reasonTexts = [NumReasons]string{
	ReasonNone:                "no error",
	ReasonUnsupportedLink:     "link type is not Ethernet or raw IP",
	ReasonTruncatedEthernet:   "Ethernet header cut short",
	ReasonTruncatedIPv4:       "IPv4 header cut short",
	ReasonTruncatedIPv6:       "IPv6 header or extension header cut short",
	ReasonTruncatedUDP:        "UDP header cut short",
	ReasonTruncatedGRE:        "GRE header cut short",
	ReasonTruncatedVXLAN:      "VXLAN header cut short",
	ReasonTruncatedGENEVE:     "GENEVE header or options cut short",
	ReasonTruncatedERSPAN:     "ERSPAN header cut short",
	ReasonTruncatedInner:      "tunnel carries less than one inner header",
	ReasonBadIPVersion:        "IP version is neither 4 nor 6",
	ReasonBadIPv4HeaderLength: "IPv4 header length below 20 bytes",
	ReasonOuterFragment:       "tunnel packet is an IP fragment (file sources reassemble them first)",
	ReasonNotTunnel:           "packet is not a known tunnel",
	ReasonVXLANFlags:          "VXLAN header lacks the valid-VNI (I) flag",
	ReasonGENEVEVersion:       "GENEVE version is not 0",
	ReasonGENEVEProtocol:      "GENEVE carries an unsupported protocol",
	ReasonGREVersion:          "GRE version is not 0 or it uses source routing",
	ReasonGREProtocol:         "GRE carries an unsupported protocol",
	ReasonERSPANVersion:       "ERSPAN version does not match its GRE protocol",
	ReasonERSPANFrameType:     "ERSPAN III frame type is not Ethernet",
	ReasonFragmentBad:         "tunnel packet fragment cut short or of an illegal length",
	ReasonFragmentOverlap:     "tunnel packet fragment overlaps another of its datagram (datagram dropped)",
	ReasonFragmentDuplicate:   "tunnel packet fragment repeats one already held",
	ReasonFragmentTooLarge:    "tunnel packet fragments reach past 65535 bytes (datagram dropped)",
	ReasonFragmentTooMany:     "tunnel packet split into more than 64 fragments (datagram dropped)",
	ReasonFragmentTimeout:     "tunnel packet fragments incomplete when frag-timeout passed or the capture ended",
	ReasonFragmentEvicted:     "tunnel packet fragments evicted to make room (frag-memory full)",
}

// String is the stable snake_case name used as a counter label.
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// Error is a sentence for people.
func (r Reason) Error() string {
	if r < NumReasons {
		return "decap: " + reasonTexts[r]
	}
	return "decap: unknown reason"
}
