-- GET requests to the URL given on wrk's command line, with the API key
-- headers. Used for GET one incident, list and search with fixed parameters.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")
