-- 20 signed-in users mixing the application list, application details and the dashboard.
-- The session cookies and paths come from bench/load-targets.txt (LOAD_TARGETS), written by bench/load.py;
-- the figures go to bench/load-wrk.json (LOAD_OUTPUT).
local targets = {}
local cookies = {}

init = function(args)
  for line in io.lines(os.getenv("LOAD_TARGETS") or "bench/load-targets.txt") do
    local kind, value = line:match("^(%S+)%s+(.+)$")
    if kind == "cookie" then table.insert(cookies, value) else table.insert(targets, value) end
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)
end

request = function()
  local path = targets[math.random(#targets)]
  local cookie = cookies[math.random(#cookies)]
  return wrk.format("GET", path, {["Cookie"] = cookie, ["Host"] = "127.0.0.1"})
end

done = function(summary, latency, requests)
  local f = io.open(os.getenv("LOAD_OUTPUT") or "bench/load-wrk.json", "w")
  f:write(string.format(
    '{"requests": %d, "duration_s": %.3f, "rps": %.1f, "p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, ' ..
    '"errors_status": %d, "errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_timeout": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  f:close()
end
