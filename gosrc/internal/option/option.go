// Package option is the one definition of cloudtap's settings. Each
// component (hot tier, cold tier, writer, capture spec) keeps one Table:
// a row per option with its name, type, default, one-line doc and setter.
// The same table reads URL queries and key=value words, makes the cloudtap
// command's flags and configuration-file keys, takes Zeek's per-filter
// $config keys, and prints the documentation (cloudtap options). There is
// one grammar for sizes, durations, counts and booleans (grammar.go), one
// error type (Error), and an unknown name is refused with the closest
// known one suggested.
package option

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Kind is the type of an option's value, as the docs name it.
type Kind string

const (
	KindString   Kind = "string"
	KindBool     Kind = "bool"     // true/false, yes/no, on/off, 1/0
	KindCount    Kind = "count"    // a whole number, 0 or more
	KindSize     Kind = "size"     // bytes: 1048576, 512k, 64M, 64MiB, 1G
	KindDuration Kind = "duration" // 500ms, 30s, 5m, 24h
	KindEnum     Kind = "enum"     // one of Values
	KindList     Kind = "list"     // comma-separated
)

// Option is one row of a Table: a setting of a configuration C.
type Option[C any] struct {
	// Name is how every surface spells it: the URL query key, the
	// key=value word, the flag (--name), the configuration-file key.
	Name string
	// Aliases are older or shorter names that set the same thing.
	Aliases []string
	Kind    Kind
	// Values are the words an enum takes.
	Values []string
	// Default is the default as a user would write it; "" means none
	// (an empty string, zero, or "not set", as Doc says).
	Default string
	// Doc is one line for the docs and the flag's usage.
	Doc string
	// Secret values are never echoed in errors: redact shows what is
	// safe of them (a URL without its password), or nothing.
	Secret bool
	redact func(string) string

	set func(c *C, value string) error
}

// Set parses value and sets it on c. A bad value gives an *Error naming
// the option.
func (o *Option[C]) Set(component string, c *C, value string) error {
	err := o.set(c, value)
	if err == nil {
		return nil
	}
	var oe *Error
	if errors.As(err, &oe) {
		return err // a setter that parses a grammar of its own (a URL) names the part
	}
	return o.errorf(component, value, "%s", err.Error())
}

// Check parses value without keeping it anywhere.
func (o *Option[C]) Check(component, value string) error {
	var scratch C
	return o.Set(component, &scratch, value)
}

// Want says what the option takes, for an error: "want a duration such as
// 500ms, 30s or 24h".
func (o *Option[C]) Want() string {
	if o.Kind == KindEnum {
		return "want " + orList(o.Values)
	}
	return want(o.Kind)
}

// TypeText is the type column of the docs: "duration", or the enum's
// words "daily|datastream".
func (o *Option[C]) TypeText() string {
	if o.Kind == KindEnum {
		return strings.Join(o.Values, "|")
	}
	return string(o.Kind)
}

func (o *Option[C]) errorf(component, value, format string, a ...any) *Error {
	if o.Secret {
		value = o.redacted(value)
	}
	return &Error{Component: component, Option: o.Name, Value: value, Reason: fmt.Sprintf(format, a...)}
}

func (o *Option[C]) redacted(value string) string {
	if o.redact != nil {
		return o.redact(value)
	}
	return "(redacted)"
}

// Table is the option table of one component.
type Table[C any] struct {
	// Component names the table in errors and docs: "hotstore".
	Component string
	Options   []Option[C]
}

// Lookup finds an option by name or alias.
func (t *Table[C]) Lookup(name string) (*Option[C], bool) {
	for i := range t.Options {
		o := &t.Options[i]
		if o.Name == name || slices.Contains(o.Aliases, name) {
			return o, true
		}
	}
	return nil, false
}

// Set sets option name on c from text. An unknown name is an *Error that
// suggests the closest known one.
func (t *Table[C]) Set(c *C, name, value string) error {
	o, ok := t.Lookup(name)
	if !ok {
		return t.Unknown(name, value)
	}
	err := o.Set(t.Component, c, value)
	var oe *Error
	if errors.As(err, &oe) && oe.Option == o.Name && oe.Component == t.Component {
		oe.Option = name // as the user wrote it: an alias, say
	}
	return err
}

// Unknown is the error for a name the table does not have.
func (t *Table[C]) Unknown(name, value string) *Error {
	return &Error{Component: t.Component, Option: name, Value: RedactValue(value), Reason: unknownReason(name, t.Names(), "")}
}

// Names lists every name and alias, in table order.
func (t *Table[C]) Names() []string {
	var names []string
	for _, o := range t.Options {
		names = append(names, o.Name)
		names = append(names, o.Aliases...)
	}
	return names
}

// ApplyDefaults sets every option that has a Default on c. A table's
// defaults are its component's defaults: DefaultConfig starts here, so
// that the docs cannot disagree with the code.
func (t *Table[C]) ApplyDefaults(c *C) {
	for i := range t.Options {
		o := &t.Options[i]
		if o.Default == "" {
			continue
		}
		if err := o.Set(t.Component, c, o.Default); err != nil {
			panic(fmt.Sprintf("option table %s: default of %s: %v", t.Component, o.Name, err))
		}
	}
}

// Error is the one configuration error of cloudtap: the option, by the
// name the user wrote, its value (redacted where it may be a secret) and
// the reason.
type Error struct {
	// Component is the table: hotstore, coldstore, writer, capture.
	Component string
	// Option is the option's name; for a value given in a place with a
	// name of its own (an environment variable, a file and line), Where
	// says so.
	Option string
	Value  string
	Reason string
	// Where is where the value was written, when it is not the option's
	// own name on a command line: "CLOUDTAP_REDIS_URL", "/etc/cloudtap.conf:3".
	Where string
}

func (e *Error) Error() string {
	where := ""
	if e.Where != "" {
		where = e.Where + ": "
	}
	return fmt.Sprintf("cloudtap: %s%s: invalid option %s=%q: %s", where, e.Component, e.Option, e.Value, e.Reason)
}

// Errorf makes an *Error for a value that parses but does not fit with
// the rest (a validation error).
func Errorf(component, name string, value any, format string, a ...any) *Error {
	return &Error{Component: component, Option: name, Value: fmt.Sprint(value), Reason: fmt.Sprintf(format, a...)}
}

// unknownReason is "unknown option; did you mean X?", or the list of
// names when none is close. extra is added for context.
func unknownReason(name string, known []string, extra string) string {
	reason := "unknown option"
	if best := Closest(name, known); best != "" {
		reason += "; did you mean " + best + "?"
	} else if names := family(name, known); len(names) <= 24 {
		reason += "; known: " + strings.Join(names, ", ")
	} else {
		reason += " (cloudtap options lists them all)"
	}
	return reason + extra
}

// family is the known names that start as name does, up to its first
// dash (es-colour: the es- options), or all of them if none does; sorted.
func family(name string, known []string) []string {
	var out []string
	if head, _, ok := strings.Cut(name, "-"); ok {
		for _, k := range known {
			if strings.HasPrefix(k, head+"-") {
				out = append(out, k)
			}
		}
	}
	if len(out) == 0 {
		out = slices.Clone(known)
	}
	slices.Sort(out)
	return out
}

// RedactValue hides a value that may hold a password: a URL with user
// information, or anything with an @ that does not parse.
func RedactValue(v string) string {
	if strings.Contains(v, "@") {
		return "(redacted)"
	}
	return v
}

func orList(words []string) string {
	switch len(words) {
	case 0:
		return "nothing"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
