-- Delivers one batch of records for one log path, exactly once and in order.
--
-- KEYS[1]  stream or list key, or pub/sub channel (prefix .. path)
-- KEYS[2]  this writer's dedup marker for that key: "{" .. KEYS[1] .. "}:cloudtap:w:<writer id>"
--          (same hash tag as KEYS[1], so both live in one Redis Cluster slot)
-- ARGV[1]  batch sequence number: 1, 2, 3, ... per writer and path
-- ARGV[2]  base: the oldest batch the writer had not seen acknowledged when
--          it sent this one; base == seq means every earlier batch was
--          acknowledged, base < seq that this one was pipelined behind others
-- ARGV[3]  marker time to live, ms
-- ARGV[4]  mode: stream | list | pubsub
-- ARGV[5…] the records, in order
--
-- It only appends and sets the marker. Retention (retain.lua) runs apart,
-- at a bounded rate per path: a protected stream's retention may read up
-- to thousands of entries, which must not ride on every batch while the
-- cold tier is away and the group's backlog grows.
--
-- The marker holds the number of the last batch applied. Returns the number
-- of records written, 0 if the marker shows the batch was applied already
-- (a resend after a lost reply), or an error, having written nothing, if a
-- pipelined batch arrives while the one before it is missing (it failed,
-- and will be resent together with this one). Scripts run atomically and
-- are written to the append-only file as one transaction, so the records
-- of a batch and its marker are either all there or all absent.

local key, marker = KEYS[1], KEYS[2]
local seq = tonumber(ARGV[1])
local base = tonumber(ARGV[2])
local mode = ARGV[4]
local first = 5

local done = tonumber(redis.call('GET', marker) or '0')
if done >= seq then
  return 0
end
-- The first unacknowledged batch may apply whatever the marker says (it
-- may have expired during a long idle spell); a pipelined one only right
-- after its predecessor.
if seq ~= base and done ~= seq - 1 then
  return redis.error_reply('ERR cloudtap: batch ' .. seq .. ' of ' .. key ..
    ' arrived before batch ' .. (seq - 1) .. ' was applied; nothing written')
end

-- Check the type before writing anything: an error after the first write
-- would leave half a batch behind with no marker, and the resend would
-- duplicate it.
local function expect_type(want)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= want then
    return redis.error_reply('WRONGTYPE key ' .. key .. ' holds a ' .. t .. ', not a ' .. want)
  end
end

local n = #ARGV - first + 1
if mode == 'stream' then
  local err = expect_type('stream')
  if err then return err end
  for i = first, #ARGV do
    redis.call('XADD', key, '*', 'json', ARGV[i])
  end
elseif mode == 'list' then
  local err = expect_type('list')
  if err then return err end
  -- unpack() is limited by Lua's C stack; push in chunks.
  for i = first, #ARGV, 1000 do
    redis.call('RPUSH', key, unpack(ARGV, i, math.min(i + 999, #ARGV)))
  end
else
  for i = first, #ARGV do
    redis.call('PUBLISH', key, ARGV[i])
  end
end

redis.call('SET', marker, ARGV[1], 'PX', ARGV[3])
return n
