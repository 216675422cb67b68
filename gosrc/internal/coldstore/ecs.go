package coldstore

import (
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/communityid"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// ecsDataset is the dataset Elastic's Zeek integration gives a log path:
// conn.log is zeek.connection; every other log keeps its name (dns, http,
// ssl, files, x509, notice, weird, intel, ...), as zeekDataset has it.
func ecsDataset(path string) string {
	if path == "conn" {
		return "zeek.connection"
	}
	return zeekDataset(path)
}

// communityIDSeed is the Community ID seed; 0 is the spec's default and
// what Zeek's community-id policy script uses unless told otherwise.
const communityIDSeed = 0

// ecsSource turns one Zeek JSON record of path into an ECS document
// stamped when. Zeek's fields are kept whole under zeek.<dataset>; the ECS
// fields are derived from them:
//
//	id.orig_h/p, id.resp_h/p        source.ip/port, destination.ip/port
//	orig_bytes/pkts, resp_bytes/pkts source.bytes/packets, destination.*
//	proto                            network.transport
//	service                          network.protocol (the first, if several)
//	the 5-tuple                      network.community_id (Community ID v1)
//	duration (s)                     event.duration (ns)
//	uid                              zeek.session_id
//	id.ctx.mirror_session            cloudtap.mirror_session
//
// The mirror session (from CloudTap/session-key) is a custom field, under
// a name of cloudtap's own, as ECS asks of fields it does not define.
func ecsSource(path string, rec []byte, when time.Time) ([]byte, error) {
	var f ecsFields
	if _, err := scanRecord(rec, &f); err != nil {
		return nil, err
	}
	return ecsDocument(path, rec, &f, when), nil
}

// ecsDocument is ecsSource for a record already scanned into f.
func ecsDocument(path string, rec []byte, f *ecsFields, when time.Time) []byte {
	dataset := ecsDataset(path)
	b := make([]byte, 0, len(rec)+400)
	b = append(b, `{"@timestamp":"`...)
	b = when.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","event":{"module":"zeek","dataset":"`...)
	b = append(b, dataset...)
	b = append(b, `","kind":"event"`...)
	if d, ok := number(f.Duration); ok {
		b = append(b, `,"duration":`...)
		b = strconv.AppendInt(b, int64(math.Round(d*1e9)), 10)
	}
	b = append(b, '}')
	b = appendObject(b, "source", "ip", f.OrigH, "port", f.OrigP, "bytes", f.OrigBytes, "packets", f.OrigPkts)
	b = appendObject(b, "destination", "ip", f.RespH, "port", f.RespP, "bytes", f.RespBytes, "packets", f.RespPkts)
	var protocol, communityID json.RawMessage
	if svc, ok := str(f.Service); ok && svc != "" {
		first, _, _ := strings.Cut(svc, ",")
		protocol, _ = json.Marshal(first)
	}
	if id, ok := f.communityID(); ok {
		communityID = json.RawMessage(`"` + id + `"`) // base64 and a colon: nothing to escape
	}
	b = appendObject(b, "network", "transport", f.Proto, "protocol", protocol, "community_id", communityID)
	b = appendObject(b, "cloudtap", "mirror_session", f.MirrorSession)
	b = append(b, `,"zeek":{`...)
	if present(f.UID) {
		b = append(b, `"session_id":`...)
		b = append(b, f.UID...)
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, strings.TrimPrefix(dataset, "zeek.")...)
	b = append(b, `":`...)
	b = append(b, rec...) // valid JSON, one line: newDocument made sure
	return append(b, "}}"...)
}

// ecsFields are the fields of a Zeek record that ECS fields come from,
// each as its JSON value.
type ecsFields struct {
	OrigH         json.RawMessage `json:"id.orig_h"`
	OrigP         json.RawMessage `json:"id.orig_p"`
	RespH         json.RawMessage `json:"id.resp_h"`
	RespP         json.RawMessage `json:"id.resp_p"`
	MirrorSession json.RawMessage `json:"id.ctx.mirror_session"`
	OrigBytes     json.RawMessage `json:"orig_bytes"`
	OrigPkts      json.RawMessage `json:"orig_pkts"`
	RespBytes     json.RawMessage `json:"resp_bytes"`
	RespPkts      json.RawMessage `json:"resp_pkts"`
	Proto         json.RawMessage `json:"proto"`
	Service       json.RawMessage `json:"service"`
	Duration      json.RawMessage `json:"duration"`
	UID           json.RawMessage `json:"uid"`
}

// set takes the value of top-level key if it is one of ecsFields'.
func (f *ecsFields) set(key, v []byte) {
	switch string(key) {
	case "id.orig_h":
		f.OrigH = v
	case "id.orig_p":
		f.OrigP = v
	case "id.resp_h":
		f.RespH = v
	case "id.resp_p":
		f.RespP = v
	case "id.ctx.mirror_session":
		f.MirrorSession = v
	case "orig_bytes":
		f.OrigBytes = v
	case "orig_pkts":
		f.OrigPkts = v
	case "resp_bytes":
		f.RespBytes = v
	case "resp_pkts":
		f.RespPkts = v
	case "proto":
		f.Proto = v
	case "service":
		f.Service = v
	case "duration":
		f.Duration = v
	case "uid":
		f.UID = v
	}
}

func present(v json.RawMessage) bool { return len(v) > 0 && string(v) != "null" }

// appendObject appends ,"name":{"k":v,...} with the present values of the
// key/value pairs kv, or nothing when none is present.
func appendObject(b []byte, name string, kv ...any) []byte {
	open := false
	for i := 0; i+1 < len(kv); i += 2 {
		v := kv[i+1].(json.RawMessage)
		if !present(v) {
			continue
		}
		if open {
			b = append(b, ',')
		} else {
			b = append(b, `,"`...)
			b = append(b, name...)
			b = append(b, `":{`...)
			open = true
		}
		b = append(b, '"')
		b = append(b, kv[i].(string)...)
		b = append(b, `":`...)
		b = append(b, v...)
	}
	if open {
		b = append(b, '}')
	}
	return b
}

// str is the JSON string v. Addresses, protocols and service names have
// no escapes: those are sliced out as they are (encoding/json was half
// the cost of an ECS document), the rest decoded in full.
func str(v json.RawMessage) (string, bool) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && plainString(v[1:len(v)-1]) {
		return string(v[1 : len(v)-1]), true
	}
	var s string
	if !present(v) || json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// plainString reports whether b is a JSON string's contents that mean
// themselves: printable ASCII with neither a quote nor a backslash.
// Bulk request lines write such strings as they are.
func plainString[T ~string | ~[]byte](b T) bool {
	for i := 0; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func number(v json.RawMessage) (float64, bool) {
	if !present(v) {
		return 0, false
	}
	x, err := strconv.ParseFloat(string(v), 64)
	return x, err == nil
}

// communityID is the record's Community ID, when it has a whole 5-tuple
// with a known transport.
func (f *ecsFields) communityID() (string, bool) {
	oh, ok1 := str(f.OrigH)
	rh, ok2 := str(f.RespH)
	op, ok3 := number(f.OrigP)
	rp, ok4 := number(f.RespP)
	proto, ok5 := str(f.Proto)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return "", false
	}
	src, err1 := netip.ParseAddr(oh)
	dst, err2 := netip.ParseAddr(rh)
	if err1 != nil || err2 != nil {
		return "", false
	}
	p, ok := communityid.ProtoNumber(proto, src.Unmap().Is6())
	if !ok || op < 0 || op > 65535 || rp < 0 || rp > 65535 {
		return "", false
	}
	id, err := communityid.ID(communityIDSeed, src, dst, p, uint16(op), uint16(rp))
	return id, err == nil
}

// ecsProperties is the mapping of ECS documents of path: the ECS fields
// cloudtap writes, typed as ECS types them (keyword for event.dataset,
// where Elasticsearch would take constant_keyword: OpenSearch has none),
// and Zeek's fields under zeek.<dataset>, typed from the schema when it
// is known.
func ecsProperties(path string, schema zeekschema.Schema) (map[string]any, error) {
	keyword := map[string]any{"type": "keyword"}
	long := map[string]any{"type": "long"}
	endpoint := map[string]any{"properties": map[string]any{
		"ip": map[string]any{"type": "ip"}, "port": long, "bytes": long, "packets": long,
	}}
	zeekFields := map[string]any{"ts": map[string]any{"type": "date", "format": zeekTimeFormat}}
	if len(schema) > 0 {
		var err error
		if zeekFields, err = Mapping(schema); err != nil {
			return nil, err
		}
		delete(zeekFields, timestampField)
	}
	dataset := strings.TrimPrefix(ecsDataset(path), "zeek.")
	return map[string]any{
		timestampField: map[string]any{"type": "date"},
		"event": map[string]any{"properties": map[string]any{
			"module": keyword, "dataset": keyword, "kind": keyword, "duration": long,
		}},
		"source":      endpoint,
		"destination": endpoint,
		"network": map[string]any{"properties": map[string]any{
			"transport": keyword, "protocol": keyword, "community_id": keyword,
		}},
		"cloudtap": map[string]any{"properties": map[string]any{"mirror_session": long}},
		"zeek": map[string]any{"properties": map[string]any{
			"session_id": keyword,
			dataset:      map[string]any{"properties": zeekFields},
		}},
	}, nil
}
