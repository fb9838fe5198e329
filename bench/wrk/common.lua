-- Shared by the wrk scripts of bench/http_bench.sh: the Datadog key headers
-- (from DD_API_KEY / DD_APP_KEY) and a done() that prints one machine-readable
-- line, latencies in microseconds:
--   WRK_RESULT {"requests":..,"rps":..,"p50_us":..,"p90_us":..,"p99_us":..,...}
local api_key = os.getenv("DD_API_KEY")
local app_key = os.getenv("DD_APP_KEY")
if not api_key or not app_key then
  error("set DD_API_KEY and DD_APP_KEY")
end
wrk.headers["DD-API-KEY"] = api_key
wrk.headers["DD-APPLICATION-KEY"] = app_key
wrk.headers["Accept"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, e.status, e.connect + e.read + e.write + e.timeout))
end
