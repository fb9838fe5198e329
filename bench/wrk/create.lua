-- POST /api/v2/incidents: durable creations. Every request is a new incident
-- (the seed's minimal shape), titles and severities varied per request.
-- INCIDENT_TYPE=Security (bench/workflow_bench.sh) names a configured incident
-- type in every body (fields.type), so each creation gets the type's template
-- fields and dashboard link and the "On Incident Creation" checklist.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

wrk.method = "POST"
wrk.path = "/api/v2/incidents"
wrk.headers["Content-Type"] = "application/json"

local severities = { "SEV-1", "SEV-2", "SEV-3", "SEV-4" }
local incident_type = os.getenv("INCIDENT_TYPE")
local extra = ""
if incident_type and incident_type ~= "" then
  extra = string.format(',"fields":{"type":{"type":"dropdown","value":"%s"}}', incident_type)
end
local threads = 0
local n = 0
id = 0  -- set per thread by setup()

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function request()
  n = n + 1
  local body = string.format(
    '{"data":{"type":"incidents","attributes":{"title":"wrk load incident %d-%d",' ..
    '"severity":"%s","customer_impacted":%s%s}}}',
    id, n, severities[(n % #severities) + 1], (n % 5 == 0) and "true" or "false", extra)
  return wrk.format(nil, nil, nil, body)
end
