package option

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Constructors of table rows. Each takes the field it sets as a function
// from the configuration to a pointer into it, so that one table serves
// every value of C.

// String is a text option.
func String[C any](name, def, doc string, field func(*C) *string) Option[C] {
	return Option[C]{Name: name, Kind: KindString, Default: def, Doc: doc,
		set: func(c *C, v string) error { *field(c) = v; return nil }}
}

// Bool is a boolean option.
func Bool[C any](name, def, doc string, field func(*C) *bool) Option[C] {
	return parsed(name, KindBool, def, doc, field, ParseBool)
}

// Count is a whole-number option.
func Count[C any, T ~int | ~int64](name, def, doc string, field func(*C) *T) Option[C] {
	return parsed(name, KindCount, def, doc, field, func(v string) (T, error) {
		n, err := ParseCount(v)
		if err == nil && int64(T(n)) != n {
			err = errors.New("too large")
		}
		return T(n), err
	})
}

// Size is a byte-count option.
func Size[C any, T ~int | ~int64](name, def, doc string, field func(*C) *T) Option[C] {
	return parsed(name, KindSize, def, doc, field, func(v string) (T, error) {
		n, err := ParseSize(v)
		if err == nil && int64(T(n)) != n {
			err = errors.New("too large")
		}
		return T(n), err
	})
}

// Duration is a duration option.
func Duration[C any](name, def, doc string, field func(*C) *time.Duration) Option[C] {
	return parsed(name, KindDuration, def, doc, field, ParseDuration)
}

// Enum is an option that takes one of values.
func Enum[C any, T ~string](name, def, doc string, values []string, field func(*C) *T) Option[C] {
	o := Option[C]{Name: name, Kind: KindEnum, Values: values, Default: def, Doc: doc}
	o.set = func(c *C, v string) error {
		if !slices.Contains(values, v) {
			return errors.New(o.Want())
		}
		*field(c) = T(v)
		return nil
	}
	return o
}

// List is a comma-separated option; an empty value is an empty list.
func List[C any](name, def, doc string, field func(*C) *[]string) Option[C] {
	return Option[C]{Name: name, Kind: KindList, Default: def, Doc: doc,
		set: func(c *C, v string) error { *field(c) = SplitList(v); return nil }}
}

// Func is an option with a setter of its own, for values with a grammar
// of their own (a list of CIDRs); set's error is the reason.
func Func[C any](name string, kind Kind, def, doc string, set func(c *C, value string) error) Option[C] {
	return Option[C]{Name: name, Kind: kind, Default: def, Doc: doc, set: set}
}

// WithAliases returns o also known as aliases.
func (o Option[C]) WithAliases(aliases ...string) Option[C] {
	o.Aliases = append(slices.Clone(o.Aliases), aliases...)
	return o
}

// AsSecret returns o with its values never echoed; redact, if not nil,
// shows what is safe of one (a URL without its password).
func (o Option[C]) AsSecret(redact func(string) string) Option[C] {
	o.Secret, o.redact = true, redact
	return o
}

func parsed[C, T any](name string, kind Kind, def, doc string, field func(*C) *T, parse func(string) (T, error)) Option[C] {
	return Option[C]{Name: name, Kind: kind, Default: def, Doc: doc,
		set: func(c *C, v string) error {
			x, err := parse(v)
			if err != nil {
				return err
			}
			*field(c) = x
			return nil
		}}
}

// Nested returns the rows of inner, each renamed prefix+name, setting the
// inner configuration pick finds in C: the writer takes the cold tier's
// options as es-<name>.
func Nested[C, I any](prefix string, inner *Table[I], pick func(*C) *I) []Option[C] {
	out := make([]Option[C], 0, len(inner.Options))
	for _, io := range inner.Options {
		io := io
		o := Option[C]{Name: prefix + io.Name, Kind: io.Kind, Values: io.Values, Default: io.Default,
			Doc: io.Doc, Secret: io.Secret, redact: io.redact}
		for _, a := range io.Aliases {
			o.Aliases = append(o.Aliases, prefix+a)
		}
		o.set = func(c *C, v string) error { return io.set(pick(c), v) }
		out = append(out, o)
	}
	return out
}

// SelfCheck reports a table with a name twice, a row without a doc, or a
// default its own row refuses: mistakes each table's tests catch.
func (t *Table[C]) SelfCheck() error {
	seen := map[string]bool{}
	for _, n := range t.Names() {
		if seen[n] {
			return fmt.Errorf("option table %s: %s twice", t.Component, n)
		}
		seen[n] = true
	}
	for i := range t.Options {
		o := &t.Options[i]
		if o.Doc == "" {
			return fmt.Errorf("option table %s: %s has no doc", t.Component, o.Name)
		}
		if o.Default != "" {
			if err := o.Check(t.Component, o.Default); err != nil {
				return fmt.Errorf("option table %s: default: %w", t.Component, err)
			}
		}
	}
	return nil
}
