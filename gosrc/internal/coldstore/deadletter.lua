-- Moves refused records to the dead-letter stream and acknowledges them,
-- atomically and once: a record is moved only while it is still pending
-- in the group, so a retry after a lost reply, or a second shipper that
-- took the entry over, does not add it twice.
--
-- KEYS[1]  the record stream        KEYS[2]  the dead-letter stream
-- ARGV[1]  the consumer group       ARGV[2]  MAXLEN ~ of the dead-letter stream, 0 for none
-- then five values per record: entry ID, record, error, index, HTTP status
local group = ARGV[1]
local maxlen = tonumber(ARGV[2])
local moved = 0
for i = 3, #ARGV, 5 do
  local id = ARGV[i]
  if #redis.call('XPENDING', KEYS[1], group, id, id, 1) > 0 then
    if maxlen > 0 then
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*',
        'json', ARGV[i + 1], 'error', ARGV[i + 2], 'entry', id, 'index', ARGV[i + 3], 'status', ARGV[i + 4])
    else
      redis.call('XADD', KEYS[2], '*',
        'json', ARGV[i + 1], 'error', ARGV[i + 2], 'entry', id, 'index', ARGV[i + 3], 'status', ARGV[i + 4])
    end
    redis.call('XACK', KEYS[1], group, id)
    moved = moved + 1
  end
end
return moved
