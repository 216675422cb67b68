package logwriter

// EnvRedisURL names the environment variable the cloudtap commands take
// the hot tier's configuration from when --redis is not given (the whole
// ParseConfig grammar).
const EnvRedisURL = "CLOUDTAP_REDIS_URL"
