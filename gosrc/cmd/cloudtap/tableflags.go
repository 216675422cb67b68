package main

import (
	"errors"
	"flag"

	"github.com/cloudtap/cloudtap/gosrc/internal/option"
)

// Flags made from an option table (package option): one flag per row,
// named, typed, defaulted and documented as the row is, so that a
// command's flags, its configuration-file keys and the writer's words are
// the same options.

// tableFlag is one row's flag. It checks a value as the row parses it and
// keeps the text, to be set on the configuration once the command line,
// the environment and the file have all been read.
type tableFlag[C any] struct {
	component string
	opt       *option.Option[C]
	text      string
	err       error // why text does not parse, nil if it does
}

func (f *tableFlag[C]) String() string {
	if f == nil || f.opt == nil {
		return ""
	}
	return f.text
}

// Set keeps v and checks it, without failing: a bad value on the command
// line is then refused by apply in one line naming --flag, rather than by
// the flag package with the whole usage. Err says why it is bad; the
// environment and the file check it at once (setValue).
func (f *tableFlag[C]) Set(v string) error {
	f.text, f.err = v, nil
	if err := f.opt.Check(f.component, v); err != nil {
		var oe *option.Error
		if errors.As(err, &oe) {
			err = errors.New(oe.Reason)
		}
		f.err = err
	}
	return nil
}

// Err is why the value last set does not parse, nil if it does.
func (f *tableFlag[C]) Err() error { return f.err }

// IsBoolFlag lets a boolean row be given as a bare --name.
func (f *tableFlag[C]) IsBoolFlag() bool { return f.opt.Kind == option.KindBool }

// tableFlags are the flags of one table on one flag set.
type tableFlags[C any] struct {
	table *option.Table[C]
	fs    *flag.FlagSet
	flags map[string]*tableFlag[C]
}

// addTableFlags defines a flag for every row of t on fs.
func addTableFlags[C any](fs *flag.FlagSet, t *option.Table[C]) *tableFlags[C] {
	tf := &tableFlags[C]{table: t, fs: fs, flags: map[string]*tableFlag[C]{}}
	for i := range t.Options {
		o := &t.Options[i]
		f := &tableFlag[C]{component: t.Component, opt: o, text: o.Default}
		fs.Var(f, o.Name, o.Doc)
		tf.flags[o.Name] = f
	}
	return tf
}

// apply sets on c every row whose flag was given (on the command line, in
// the environment or in the file), in table order.
func (tf *tableFlags[C]) apply(c *C) error {
	given := map[string]bool{}
	tf.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for i := range tf.table.Options {
		o := &tf.table.Options[i]
		if given[o.Name] {
			if err := o.Set(tf.table.Component, c, tf.flags[o.Name].text); err != nil {
				return err
			}
		}
	}
	return nil
}
