package logwriter

// DefaultGroup is the consumer group the cold tier reads the streams with
// when protect-group names none. hotstore has no default of its own; its
// README's examples use this name.
const DefaultGroup = "cloudtap"

// Key names, by convention shared with the cold tier (see the package
// documentation). prefix is the configured key prefix ("zeek:").

// StreamKey is where the records of path go.
func StreamKey(prefix, path string) string { return prefix + path }

// SchemaKey holds the JSON schema of path.
func SchemaKey(prefix, path string) string { return prefix + path + ":schema" }

// DeadLetterKey is the stream of path's records the cold tier refused.
func DeadLetterKey(prefix, path string) string { return prefix + path + ":dead" }
