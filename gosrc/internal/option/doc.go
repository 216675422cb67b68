package option

import (
	"fmt"
	"strings"
)

// Row is one option as the docs show it.
type Row struct {
	Name, Aliases, Type, Default, Doc string
}

// Rows are the table's documentation rows, in table order.
func (t *Table[C]) Rows() []Row {
	rows := make([]Row, 0, len(t.Options))
	for _, o := range t.Options {
		rows = append(rows, Row{Name: o.Name, Aliases: strings.Join(o.Aliases, ", "), Type: o.TypeText(), Default: o.Default, Doc: o.Doc})
	}
	return rows
}

// Markdown renders rows as the Markdown table the READMEs carry.
func Markdown(rows []Row) string {
	var b strings.Builder
	b.WriteString("| option | type | default | meaning |\n|---|---|---|---|\n")
	for _, r := range rows {
		name := "`" + r.Name + "`"
		if r.Aliases != "" {
			name += " (also `" + strings.ReplaceAll(r.Aliases, ", ", "`, `") + "`)"
		}
		def := ""
		if r.Default != "" {
			def = "`" + r.Default + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, r.Type, def, strings.ReplaceAll(r.Doc, "|", `\|`))
	}
	return b.String()
}

// Text renders rows as aligned plain text for a terminal.
func Text(rows []Row) string {
	width := 0
	for _, r := range rows {
		width = max(width, len(r.Name))
	}
	var b strings.Builder
	for _, r := range rows {
		def := ""
		if r.Default != "" {
			def = " (default " + r.Default + ")"
		}
		alias := ""
		if r.Aliases != "" {
			alias = " (also " + r.Aliases + ")"
		}
		fmt.Fprintf(&b, "  %-*s  %s%s: %s%s\n", width, r.Name, r.Type, def, r.Doc, alias)
	}
	return b.String()
}
