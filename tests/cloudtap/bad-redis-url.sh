# A malformed Redis URL or option stops Zeek at start-up with one line
# naming the problem.
# @TEST-EXEC-FAIL: zeek -r $TRACES/inner/get.trace CloudTap/logs-to-redis CloudTap::redis_url=http://x/ > output 2>&1
# @TEST-EXEC-FAIL: zeek -r $TRACES/inner/get.trace CloudTap/logs-to-redis "CloudTap::redis_url=redis://127.0.0.1:6379/0?maxlen=abc" >> output 2>&1
# @TEST-EXEC-FAIL: zeek -r $TRACES/inner/get.trace CloudTap/logs-to-redis CloudTap::redis_batch_size=0 >> output 2>&1
# @TEST-EXEC: btest-diff output
