-- Retention of one log path's key, run apart from delivery (deliver.lua)
-- at most once per retention interval per path, after writes.
--
-- KEYS[1]  stream or list key (prefix .. path)
-- ARGV[1]  mode: stream | list
-- ARGV[2]  max length, 0 = none
-- ARGV[3]  max age in ms (stream), 0 = none
-- ARGV[4]  consumer group whose unacknowledged entries must survive trimming, "" = none
--
-- Returns nothing of use. A protected stream's group is created here if it
-- is missing (at 0, so that the cold tier sees every entry), and nothing
-- is trimmed that time.

local key = KEYS[1]
local mode = ARGV[1]
local maxlen = tonumber(ARGV[2])
local maxage = tonumber(ARGV[3])
local group = ARGV[4]

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

if mode == 'stream' then
  if redis.call('TYPE', key)['ok'] == 'stream' then
    trim_stream()
  end
elseif mode == 'list' and maxlen > 0 then
  redis.call('LTRIM', key, -maxlen, -1)
end
return 0
