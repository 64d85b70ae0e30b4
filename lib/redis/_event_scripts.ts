/**
 * The Lua scripts of the Redis EventStore. Layout (`P` is the prefix, `S` a session id, `T` a stream id):
 * - `P evs:S`: hash; `n` (streams created), `next:T` (next sequence number of stream T), `bytes:T`;
 * - `P evx:T:S`: the Redis Stream of stream T; entry ids `0-<seq>`, fields `m` (JSON, `""` for a priming
 *   event) and `b` (approximate bytes);
 * - `P ev:order`: sorted set of every kept event (`S\nT\nseq`) by a store-wide clock, oldest first;
 * - `P ev:stats`: hash; `events`, `bytes`, `streams`, `clock`.
 * A stream only ever loses its oldest entries, so its kept entries are one contiguous run of sequence
 * numbers: that is what tells `evicted` (before the run) from `unknown` (never issued) in `replayAfter`.
 *
 * @module
 */
import { _lua } from "./_script.ts";

// Removes the oldest entry of one stream and its accounting; returns its bytes, or false when empty.
const DROP_OLDEST = `
local function dropOldest(prefix, sid, st)
  local hash, stream = prefix .. 'evs:' .. sid, prefix .. 'evx:' .. st .. ':' .. sid
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  if not first then return false end
  local b, fields = 0, first[2]
  for i = 1, #fields, 2 do if fields[i] == 'b' then b = tonumber(fields[i + 1]) end end
  redis.call('XDEL', stream, first[1])
  redis.call('ZREM', prefix .. 'ev:order', sid .. '\\n' .. st .. '\\n' .. string.sub(first[1], 3))
  redis.call('HINCRBY', hash, 'bytes:' .. st, 0 - b)
  redis.call('HINCRBY', prefix .. 'ev:stats', 'events', -1)
  redis.call('HINCRBY', prefix .. 'ev:stats', 'bytes', 0 - b)
  return b
end
`;

/** KEYS: session hash, stats. Returns the new stream id. */
export const CREATE_STREAM = _lua(`
local n = redis.call('HINCRBY', KEYS[1], 'n', 1) - 1
redis.call('HSET', KEYS[1], 'next:' .. n, 1, 'bytes:' .. n, 0)
redis.call('HINCRBY', KEYS[2], 'streams', 1)
return n`);

/**
 * KEYS: session hash, stream, stats, order. ARGV: prefix, session, stream id, message JSON (`""` for
 * priming), bytes, max events per stream, max bytes per stream, max events, max bytes.
 * Returns the sequence number; an error reply for an unknown stream. Evicts per stream, then store-wide.
 */
export const APPEND = _lua(
  DROP_OLDEST + `
local prefix, sid, st = ARGV[1], ARGV[2], ARGV[3]
local seq = redis.call('HGET', KEYS[1], 'next:' .. st)
if not seq then return redis.error_reply('ERR Unknown stream ' .. st .. ' in session') end
seq = tonumber(seq)
local bytes = tonumber(ARGV[5])
local maxPer, maxBytesPer, maxEvents, maxBytes = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
redis.call('HSET', KEYS[1], 'next:' .. st, seq + 1)
redis.call('XADD', KEYS[2], '0-' .. seq, 'm', ARGV[4], 'b', bytes)
local clock = redis.call('HINCRBY', KEYS[3], 'clock', 1)
redis.call('ZADD', KEYS[4], clock, sid .. '\\n' .. st .. '\\n' .. seq)
local streamBytes = redis.call('HINCRBY', KEYS[1], 'bytes:' .. st, bytes)
local events = redis.call('HINCRBY', KEYS[3], 'events', 1)
local total = redis.call('HINCRBY', KEYS[3], 'bytes', bytes)
local len = redis.call('XLEN', KEYS[2])
while len > maxPer or (streamBytes > maxBytesPer and len > 1) do
  local b = dropOldest(prefix, sid, st)
  if not b then break end
  len, streamBytes, events, total = len - 1, streamBytes - b, events - 1, total - b
end
while (events > maxEvents or total > maxBytes) and events > 1 do
  local oldest = redis.call('ZRANGE', KEYS[4], 0, 0)[1]
  if not oldest then break end
  local osid, ost = string.match(oldest, '^(.*)\\n(%d+)\\n%d+$')
  local b = dropOldest(prefix, osid, ost)
  if b then events, total = events - 1, total - b else redis.call('ZREM', KEYS[4], oldest) end
end
return seq`,
);

/**
 * KEYS: session hash, stream. ARGV: stream id, sequence number after which to replay.
 * Returns `{0}` unknown, `{1}` evicted, or `{2, entries}` found.
 */
export const REPLAY = _lua(`
local nxt = redis.call('HGET', KEYS[1], 'next:' .. ARGV[1])
local seq = tonumber(ARGV[2])
if not nxt or seq < 1 or seq >= tonumber(nxt) then return {0} end
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
local firstKept = tonumber(nxt)
if first then firstKept = tonumber(string.sub(first[1], 3)) end
if seq + 1 < firstKept then return {1} end
return {2, redis.call('XRANGE', KEYS[2], '(0-' .. ARGV[2], '+')}`);

/** KEYS: session hash, stats, order. ARGV: prefix, session. Forgets the session's streams and events. */
export const DELETE_SESSION = _lua(`
local prefix, sid = ARGV[1], ARGV[2]
local streams, events, bytes = 0, 0, 0
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  local st = string.match(field, '^next:(%d+)$')
  if st then
    streams = streams + 1
    local stream = prefix .. 'evx:' .. st .. ':' .. sid
    for _, e in ipairs(redis.call('XRANGE', stream, '-', '+')) do
      local fields = e[2]
      for i = 1, #fields, 2 do if fields[i] == 'b' then bytes = bytes + tonumber(fields[i + 1]) end end
      events = events + 1
      redis.call('ZREM', KEYS[3], sid .. '\\n' .. st .. '\\n' .. string.sub(e[1], 3))
    end
    redis.call('DEL', stream)
  end
end
redis.call('DEL', KEYS[1])
redis.call('HINCRBY', KEYS[2], 'streams', 0 - streams)
redis.call('HINCRBY', KEYS[2], 'events', 0 - events)
redis.call('HINCRBY', KEYS[2], 'bytes', 0 - bytes)
return events`);
