package coldstore

// The Redis keys are rediskey's; recordField is the stream entry field
// holding a record's Zeek JSON, as the writer stores it.
const recordField = "json"
