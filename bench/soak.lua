-- wrk script for make soak (bench/soak.sh): a mixed workload of reads and writes, paced to a
-- fixed rate when SOAK_RATE is set (wrk2 is not in Debian: delay() spaces each thread's requests
-- on a schedule read from CLOCK_MONOTONIC through LuaJIT's ffi), as fast as it goes otherwise.
--   60 % GET /persons/{id}         20 % a community's first page of residents
--    4 % a community's GET /stats/summary (the home page's figures)
--   15 % PATCH /persons/{id} with If-Match (a new phone)
--    1 % POST /persons (a new resident with a fresh valid ID number)
-- Each thread PATCHes only its own share of the pool, with the version it last saw in a
-- GET or PATCH answer of that record. At the end it prints one line, "SOAK key=value ...".
-- Environment: SOAK_DIR (files from soak.sh), SOAK_TOKEN, SOAK_RATE (req/s, all threads),
-- SOAK_RUN (0, 1, ...: keeps the ID numbers of every run apart), SOAK_THREADS.
local ffi = require("ffi")
ffi.cdef [[ typedef struct { long tv_sec; long tv_nsec; } soak_ts; int clock_gettime(int, soak_ts *); ]]
local ts = ffi.new("soak_ts")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local dir, token = os.getenv("SOAK_DIR"), os.getenv("SOAK_TOKEN")
local rate = tonumber(os.getenv("SOAK_RATE") or "0")
local run = tonumber(os.getenv("SOAK_RUN") or "0")
local nthreads = tonumber(os.getenv("SOAK_THREADS") or "2")

local function lines(name)
  local t = {}
  for l in io.lines(dir .. "/" .. name) do t[#t + 1] = l end
  return t
end

-- ---- main state: hands each thread its number ----
local threads, tcount = {}, 0
function setup(thread)
  thread:set("tid", tcount)
  tcount = tcount + 1
  threads[#threads + 1] = thread
end

-- ---- thread state ----
local persons, lists, grids, summaries, pool, versions
local created = 0
n2, n3, n4, n5, n409, n412 = 0, 0, 0, 0, 0, 0      -- globals: done() reads them with thread:get
local auth = "Bearer " .. (token or "")

function init(args)
  persons, lists, grids, summaries = lines("person-ids"), lines("list-paths"), lines("grid-ids"), lines("summary-paths")
  pool, versions = {}, {}
  local all = lines("patch-ids")
  for i = 1, #all do if (i - 1) % nthreads == tid then pool[#pool + 1] = all[i] end end
  math.randomseed(os.time() + tid * 7919 + run * 104729)
end

-- GB 11643: 17 digits and the check character
local W = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local CK = "10X98765432"
local ADDR = {"410102", "410103", "410104", "410105", "410106", "410108", "410122", "410181", "410182", "410183", "410184", "410185"}
local SLICE = 12000         -- creates a thread may make in one run: 12 codes x 36,500 days x 2 sexes / 73 slices
local function fresh_id()
  local g = (run * nthreads + tid) * SLICE + (created % SLICE)
  created = created + 1
  local sex, rest = g % 2, math.floor(g / 2)
  local addr, day = ADDR[rest % #ADDR + 1], math.floor(rest / #ADDR)
  local d = os.date("!*t", -1577923200 + day * 86400)           -- from 1920-01-01
  -- sequence numbers 999 (male) and 000 (female): the demo district uses 001-998 only
  local s = string.format("%s%04d%02d%02d%03d", addr, d.year, d.month, d.day, sex == 0 and 999 or 0)
  local sum = 0
  for i = 1, 17 do sum = sum + (s:byte(i) - 48) * W[i] end
  local k = sum % 11 + 1
  return s .. CK:sub(k, k)
end

local function phone() return string.format("139%08d", math.random(0, 99999999)) end

function request()
  local r = math.random(100)
  local h = {["Authorization"] = auth}
  if r <= 15 then
    local id = pool[math.random(#pool)]
    local v = versions[id]
    if v then
      h["If-Match"] = '"' .. v .. '"'
      h["Content-Type"] = "application/json"
      versions[id] = nil      -- until this PATCH's answer (another connection would only get 412)
      return wrk.format("PATCH", "/api/v1/persons/" .. id, h, '{"phone":"' .. phone() .. '"}')
    end
    return wrk.format("GET", "/api/v1/persons/" .. id, h)           -- learns its version
  elseif r <= 16 then
    h["Content-Type"] = "application/json"
    local body = string.format('{"name":"压测%d","id_number":"%s","org_id":%s,"phone":"%s"}', created, fresh_id(),
      grids[math.random(#grids)], phone())
    return wrk.format("POST", "/api/v1/persons", h, body)
  elseif r <= 20 then
    return wrk.format("GET", summaries[math.random(#summaries)], h)
  elseif r <= 40 then
    return wrk.format("GET", lists[math.random(#lists)], h)
  end
  return wrk.format("GET", "/api/v1/persons/" .. persons[math.random(#persons)], h)
end

function response(status, headers, body)
  if status >= 500 then n5 = n5 + 1
  elseif status == 409 then n409 = n409 + 1
  elseif status == 412 then n412 = n412 + 1
  elseif status >= 400 then n4 = n4 + 1
  elseif status >= 300 then n3 = n3 + 1
  else n2 = n2 + 1 end
  if status == 200 then
    local id, v = body:match('^{"data":{"id":(%d+),"version":(%d+)')
    if id then versions[id] = v end
  end
end

if rate > 0 then
  local interval = nthreads * 1000 / rate     -- ms between this thread's requests
  local next_t
  function delay()
    local t = now_ms()
    -- behind by more than a second (the server stalled): start the schedule again from now
    -- rather than send the backlog at once
    if not next_t or next_t < t - 1000 then next_t = t end
    next_t = next_t + interval
    local d = next_t - t
    return d > 0 and math.floor(d) or 0
  end
end

function done(summary, latency, requests)
  local c = {n2 = 0, n3 = 0, n4 = 0, n5 = 0, n409 = 0, n412 = 0}
  for _, t in ipairs(threads) do
    for k in pairs(c) do c[k] = c[k] + (t:get(k) or 0) end
  end
  local e = summary.errors
  io.write(string.format("SOAK requests=%d seconds=%.1f rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "s2xx=%d s3xx=%d s4xx=%d s409=%d s412=%d s5xx=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    c.n2, c.n3, c.n4, c.n409, c.n412, c.n5, e.connect + e.read + e.write + e.timeout))
end
