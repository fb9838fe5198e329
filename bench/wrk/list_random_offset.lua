-- GET /api/v2/incidents?page[size]=100&page[offset]=R with R uniform in
-- [0, MAX_OFFSET] (env, default 900000): list pages anywhere in the table,
-- not only the newest.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local max_offset = tonumber(os.getenv("MAX_OFFSET") or "900000")
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

function init(args)
  math.randomseed(os.time() + (seed or 0) * 7919)
end

function request()
  local offset = math.random(0, max_offset)
  return wrk.format("GET", "/api/v2/incidents?page[size]=100&page[offset]=" .. offset)
end
