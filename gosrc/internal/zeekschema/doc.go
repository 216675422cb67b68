// Package zeekschema describes Zeek log streams: a schema of field names
// and Zeek type strings, as the plugin's writer declares it, as the
// #fields/#types header of a Zeek ASCII (TSV) log spells it, and as the
// cold tier turns it into index mappings.
//
// It also reads whole Zeek TSV logs and renders their rows as Zeek JSON,
// so that logs written before cloudtap can be loaded like live ones.
package zeekschema
