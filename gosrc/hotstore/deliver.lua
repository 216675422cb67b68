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
-- ARGV[5]  max length, 0 = none
-- ARGV[6]  max age in ms (stream), 0 = none
-- ARGV[7]  consumer group whose unacknowledged entries must survive trimming, "" = none
-- ARGV[8…] the records, in order
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
local maxlen = tonumber(ARGV[5])
local maxage = tonumber(ARGV[6])
local group = ARGV[7]
local first = 8

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

-- Stream IDs as {ms, seq} pairs. Lua numbers are doubles: exact for
-- millisecond times and for sequence numbers below 2^53.
local function parse_id(id)
  local ms, sq = string.match(id, '^(%d+)-(%d+)$')
  return {tonumber(ms), tonumber(sq)}
end
local function id_less(a, b)
  return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2])
end
local function format_id(a)
  return string.format('%.0f-%.0f', a[1], a[2])
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The fields of XINFO GROUPS for the protected group, nil if it is missing.
local function group_info()
  local groups = redis.pcall('XINFO', 'GROUPS', key)
  if type(groups) ~= 'table' or groups.err then
    return nil
  end
  for _, g in ipairs(groups) do
    local f = {}
    for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
    if f['name'] == group then
      return f
    end
  end
  return nil
end

-- Retention without a protected group: approximate XTRIM by count and by
-- age. "~" trims whole radix-tree nodes only, never an entry at or after the
-- limit, and costs next to nothing when there is nothing to trim.
local function trim_plain()
  if maxlen > 0 then
    redis.call('XTRIM', key, 'MAXLEN', '~', maxlen)
  end
  if maxage > 0 then
    redis.call('XTRIM', key, 'MINID', '~', format_id({now_ms() - maxage, 0}))
  end
end

-- Retention that never removes what the cold tier's group still needs:
-- its pending entries (delivered, not acknowledged) and everything after
-- its last-delivered ID. Those form the tail of the stream from the
-- "floor": the oldest pending ID, else the ID after the last delivered.
local scan_max = 10000
local function trim_protected()
  local g = group_info()
  if g == nil then
    -- Missing group: create it at the start so the cold tier sees every
    -- entry, and trim nothing this time.
    redis.call('XGROUP', 'CREATE', key, group, '0')
    return
  end
  local last = parse_id(g['last-delivered-id'])
  local pending = tonumber(g['pending'])
  local floor
  if pending > 0 then
    floor = parse_id(redis.call('XPENDING', key, group)[2])
  else
    floor = {last[1], last[2] + 1}
  end

  local keep = nil -- trim entries with IDs below this
  if maxage > 0 then
    local by_age = {now_ms() - maxage, 0}
    local oldest = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)
    if #oldest > 0 and id_less(parse_id(oldest[1][1]), by_age) then
      keep = by_age
    end
  end
  if maxlen > 0 and redis.call('XLEN', key) > maxlen + math.floor(maxlen / 100) then
    -- How many tail entries the group needs: lag (undelivered) plus the
    -- entries from the floor to the last delivered one. Redis reports lag
    -- as nil when it cannot compute it; then, as when the window is too
    -- long to count cheaply, trim everything acknowledged.
    local needed = g['lag'] and tonumber(g['lag'])
    if needed and pending > 0 then
      local window = redis.call('XRANGE', key, format_id(floor), format_id(last), 'COUNT', scan_max)
      if #window < scan_max then needed = needed + #window else needed = nil end
    end
    if needed and needed <= maxlen then
      redis.call('XTRIM', key, 'MAXLEN', '~', maxlen)
    else
      keep = floor
    end
  end
  if keep ~= nil then
    if id_less(floor, keep) then keep = floor end
    redis.call('XTRIM', key, 'MINID', '~', format_id(keep))
  end
end

local function trim_stream()
  if group ~= '' then
    trim_protected()
  elseif maxlen > 0 or maxage > 0 then
    trim_plain()
  end
end

local n = #ARGV - first + 1
if mode == 'stream' then
  local err = expect_type('stream')
  if err then return err end
  for i = first, #ARGV do
    redis.call('XADD', key, '*', 'json', ARGV[i])
  end
  trim_stream()
elseif mode == 'list' then
  local err = expect_type('list')
  if err then return err end
  -- unpack() is limited by Lua's C stack; push in chunks.
  for i = first, #ARGV, 1000 do
    redis.call('RPUSH', key, unpack(ARGV, i, math.min(i + 999, #ARGV)))
  end
  if maxlen > 0 then
    redis.call('LTRIM', key, -maxlen, -1)
  end
else
  for i = first, #ARGV do
    redis.call('PUBLISH', key, ARGV[i])
  end
end

redis.call('SET', marker, ARGV[1], 'PX', ARGV[3])
return n
