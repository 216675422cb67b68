package logwriter

import "os"

// EnvRedisURL names the environment variable the cloudtap commands take
// the hot tier's configuration from when --redis is not given.
const EnvRedisURL = "CLOUDTAP_REDIS_URL"

// ConfigFromFlag parses the configuration a command was given: flagValue
// (--redis) if set, else $CLOUDTAP_REDIS_URL, else the defaults. Both
// take the whole ParseConfig grammar.
func ConfigFromFlag(flagValue string) (Config, error) {
	if flagValue == "" {
		flagValue = os.Getenv(EnvRedisURL)
	}
	return ParseConfig(flagValue)
}
