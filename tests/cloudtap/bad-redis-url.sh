# A malformed Redis or Elasticsearch URL or option stops Zeek at start-up
# with one line naming the problem (and never a password).
# @TEST-EXEC-FAIL: zeek -r $TRACES/inner/get.trace CloudTap/logs-to-redis CloudTap::redis_url=http://x/ > output 2>&1
# @TEST-EXEC-FAIL: zeek -r $TRACES/inner/get.trace CloudTap/logs-to-redis "CloudTap::redis_url=redis://127.0.0.1:6379/0?maxlen=abc" >> output 2>&1
# @TEST-EXEC-FAIL: zeek -r $TRACES/inner/get.trace CloudTap/logs-to-redis CloudTap::redis_batch_size=0 >> output 2>&1
# @TEST-EXEC-FAIL: zeek -r $TRACES/inner/get.trace CloudTap/logs-to-redis CloudTap::elasticsearch_url=ftp://es:9200 >> output 2>&1
# @TEST-EXEC-FAIL: zeek -r $TRACES/inner/get.trace CloudTap/logs-to-redis CloudTap::elasticsearch_url=http://elastic:s3cret@es:9200 "CloudTap::redis_url=redis://127.0.0.1:6379/0 es-index-mode=weekly" >> output 2>&1
# @TEST-EXEC-FAIL: zeek -r $TRACES/inner/get.trace CloudTap/logs-to-redis "CloudTap::redis_url=redis://127.0.0.1:6379/0 buffer-max-byte=64M" >> output 2>&1
# @TEST-EXEC-FAIL: zeek -r $TRACES/inner/get.trace CloudTap/logs-to-redis "CloudTap::redis_url=redis://127.0.0.1:6379/0 close-timeout=1s" CloudTap::redis_close_timeout=2secs >> output 2>&1
# @TEST-EXEC: btest-diff output
