-- wrk (4.x) done() hook: write the run's summary as JSON, never scraped text.
--
-- Environment (read in done(), which runs in wrk's main Lua state):
--   ARENA_WRK_OUT          path of the JSON file to write (required)
--   ARENA_WRK_CONNECTIONS  the -c value, needed to undo wrk's latency "correction"
--
-- wrk 4.1.0 (src/wrk.c, main) calls stats_correct(latency, E) before done() with
-- E = runtime_us / (complete / connections) (integer divisions): for every recorded
-- latency n >= 2E it adds synthetic samples at n-E, n-2E, ... while > E. The
-- latency object done() receives is therefore co-corrected. Because each source
-- bucket is read before anything is added to it, the correction is exactly
--   corrected[m] = sum_{k>=0} raw[m + kE]            for m > E
-- and is undone by raw[m] = corrected[m] - corrected[m + E] (m > E), raw[m] =
-- corrected[m] otherwise. We read the histogram's microsecond buckets through
-- LuaJIT's FFI (the userdata holds a `stats *`) and publish raw latency. Without
-- the FFI we fall back to the object's own (corrected) numbers and say so.

local PCTS = { 50, 75, 90, 99, 99.9, 99.99 }

local function num(x)
   if x == nil then return "null" end
   if x ~= x or x == math.huge or x == -math.huge then return "null" end
   if x == math.floor(x) and math.abs(x) < 2^53 then return string.format("%d", x) end
   return string.format("%.6f", x)
end

local function pct_key(p)
   return "p" .. (string.gsub(string.format("%g", p), "%.", "_"))
end

local function obj(fields)
   local parts = {}
   for _, kv in ipairs(fields) do
      parts[#parts + 1] = string.format("%q: %s", kv[1], kv[2])
   end
   return "{" .. table.concat(parts, ", ") .. "}"
end

-- Percentile with wrk's own rank rule (stats_percentile), over a {value -> count} walk.
local function stats_from_buckets(values, counts, n)
   if n == 0 then return nil end
   local total, sum = 0, 0
   for i = 1, #values do
      total = total + counts[i]
      sum = sum + values[i] * counts[i]
   end
   if total == 0 then return nil end
   local mean = sum / total
   local sq = 0
   for i = 1, #values do
      local d = values[i] - mean
      sq = sq + d * d * counts[i]
   end
   local stdev = total > 1 and math.sqrt(sq / (total - 1)) or 0
   local pct = {}
   for _, p in ipairs(PCTS) do
      local rank = math.floor((p / 100) * total + 0.5 + 0.5)  -- round(p/100*count + 0.5)
      local acc = 0
      for i = 1, #values do
         acc = acc + counts[i]
         if acc >= rank then pct[#pct + 1] = { pct_key(p), num(values[i]) }; break end
      end
   end
   return {
      count = total, sum = sum, min = values[1], max = values[#values],
      mean = mean, stdev = stdev, pct = pct,
   }
end

-- Compact histogram: [[value_us, count], ...] with values below 1000 us exact and
-- larger ones floored to 3 significant digits (<= 0.1% coarsening).
local function coarse(values, counts)
   local out, lastv, lastc = {}, nil, 0
   for i = 1, #values do
      local v = values[i]
      if v >= 1000 then
         local mag = 10 ^ (math.floor(math.log10(v)) - 2)
         v = math.floor(v / mag) * mag
      end
      if v == lastv then
         lastc = lastc + counts[i]
      else
         if lastv ~= nil then out[#out + 1] = "[" .. num(lastv) .. "," .. num(lastc) .. "]" end
         lastv, lastc = v, counts[i]
      end
   end
   if lastv ~= nil then out[#out + 1] = "[" .. num(lastv) .. "," .. num(lastc) .. "]" end
   return "[" .. table.concat(out, ",") .. "]"
end

local function raw_buckets(latency, expected)
   local ok, ffi = pcall(require, "ffi")
   if not ok then return nil, "LuaJIT FFI not available: " .. tostring(ffi) end
   pcall(ffi.cdef, [[
      typedef struct { uint64_t count; uint64_t limit; uint64_t min; uint64_t max; } arena_wrk_stats;
   ]])
   local okc, s = pcall(function() return ffi.cast("arena_wrk_stats **", latency)[0] end)
   if not okc or s == nil then return nil, "cannot read the stats struct: " .. tostring(s) end
   local data = ffi.cast("uint64_t *", s) + 4
   local count = tonumber(s.count)
   local limit = tonumber(s.limit)
   local lo, hi = tonumber(s.min), tonumber(s.max)
   if count == 0 then return {}, {}, 0, 0 end
   -- Sanity: the struct must agree with what the object itself reports.
   if hi >= limit or lo > hi or lo ~= latency.min or hi ~= latency.max then
      return nil, string.format("stats struct layout mismatch (min %s/%s max %s/%s limit %s)",
                                tostring(lo), tostring(latency.min), tostring(hi), tostring(latency.max), tostring(limit))
   end
   local start = lo
   if expected and expected > 0 and expected + 1 < start then start = expected + 1 end
   local values, counts, corrected_total = {}, {}, 0
   for m = start, hi do
      local c = tonumber(data[m])
      corrected_total = corrected_total + c
      if c ~= 0 then
         local r = c
         if expected and expected > 0 and m > expected then
            local up = m + expected
            if up <= hi then r = c - tonumber(data[up]) end
         end
         if r < 0 then return nil, "negative raw count at " .. m .. " us: correction model does not match" end
         if r > 0 then values[#values + 1] = m; counts[#counts + 1] = r end
      end
   end
   return values, counts, count, corrected_total
end

function done(summary, latency, requests)
   local path = os.getenv("ARENA_WRK_OUT")
   if not path or path == "" then
      io.stderr:write("wrk_report.lua: ARENA_WRK_OUT is not set\n")
      return
   end
   local conns = tonumber(os.getenv("ARENA_WRK_CONNECTIONS") or "")
   local expected = nil
   if conns and conns > 0 then
      local per_conn = math.floor(summary.requests / conns)
      if per_conn > 0 then expected = math.floor(summary.duration / per_conn) end
   end

   local fields = {
      { "schema", "1" },
      { "requests", num(summary.requests) },
      { "duration_us", num(summary.duration) },
      { "bytes", num(summary.bytes) },
      { "errors", obj({
         { "connect", num(summary.errors.connect) }, { "read", num(summary.errors.read) },
         { "write", num(summary.errors.write) }, { "status", num(summary.errors.status) },
         { "timeout", num(summary.errors.timeout) } }) },
      { "connections", num(conns) },
      { "correction_interval_us", num(expected) },
   }

   -- wrk's own (corrected) view, always, for comparison with its printed text.
   local cpct = {}
   for _, p in ipairs(PCTS) do cpct[#cpct + 1] = { pct_key(p), num(latency:percentile(p)) } end
   fields[#fields + 1] = { "latency_corrected", obj({
      { "min", num(latency.min) }, { "mean", num(latency.mean) }, { "max", num(latency.max) },
      { "stdev", num(latency.stdev) }, { "percentiles", obj(cpct) } }) }

   local values, counts, count, corrected_total = raw_buckets(latency, expected)
   if values then
      local st = stats_from_buckets(values, counts, #values)
      if st then
         fields[#fields + 1] = { "latency_kind", '"raw"' }
         fields[#fields + 1] = { "latency", obj({
            { "count", num(st.count) }, { "sum_us", num(st.sum) },
            { "min", num(st.min) }, { "mean", num(st.mean) }, { "max", num(st.max) },
            { "stdev", num(st.stdev) }, { "percentiles", obj(st.pct) } }) }
         fields[#fields + 1] = { "histogram", coarse(values, counts) }
      else
         fields[#fields + 1] = { "latency_kind", '"raw"' }
         fields[#fields + 1] = { "latency", "null" }
      end
      fields[#fields + 1] = { "corrected_count", num(count) }
   else
      fields[#fields + 1] = { "latency_kind", '"co-corrected"' }
      fields[#fields + 1] = { "raw_unavailable", string.format("%q", counts or "") }
      fields[#fields + 1] = { "latency", obj({
         { "count", "null" }, { "sum_us", "null" },
         { "min", num(latency.min) }, { "mean", num(latency.mean) }, { "max", num(latency.max) },
         { "stdev", num(latency.stdev) }, { "percentiles", obj(cpct) } }) }
   end

   fields[#fields + 1] = { "thread_rate", obj({
      { "min", num(requests.min) }, { "mean", num(requests.mean) }, { "max", num(requests.max) },
      { "stdev", num(requests.stdev) } }) }

   local f, err = io.open(path, "w")
   if not f then
      io.stderr:write("wrk_report.lua: cannot write " .. path .. ": " .. tostring(err) .. "\n")
      return
   end
   f:write(obj(fields), "\n")
   f:close()
end
