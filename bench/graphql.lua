-- wrk script: POSTs the GraphQL query in env QUERY_FILE, rotating `near` centres over
-- demo cities, and counts answers that are not 200 or carry "errors". With env JOB_IDS
-- (comma-separated) it also rotates a `$job` variable over them; with env BENCH_TOKEN it
-- sends it as a bearer token. With env ROAM=1 each centre is moved at random by up to
-- ±2° in latitude and longitude, so that pages seldom repeat (the list cache then
-- mostly misses).
local cities = {
  {5.6037, -0.1870}, {6.6885, -1.6244}, {-1.2921, 36.8219}, {-4.0435, 39.6682},
  {-33.9249, 18.4241}, {-26.2041, 28.0473}, {3.8480, 11.5021}, {52.5200, 13.4050},
  {55.6761, 12.5683}, {40.4168, -3.7038}, {48.2082, 16.3738}, {9.0579, 7.4951},
}
local query
local roam = os.getenv("ROAM") == "1"
local jobs = {}
local i = 0
bad = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
  local f = assert(io.open(os.getenv("QUERY_FILE"), "r"))
  query = f:read("*a"):gsub("\n", " "):gsub('"', '\\"')
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  local token = os.getenv("BENCH_TOKEN")
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  for id in string.gmatch(os.getenv("JOB_IDS") or "", "[^,]+") do
    table.insert(jobs, id)
  end
end

function request()
  i = i + 1
  local c = cities[(i % #cities) + 1]
  local lat, lon = c[1], c[2]
  if roam then
    lat = lat + (math.random() - 0.5) * 4
    lon = lon + (math.random() - 0.5) * 4
  end
  local job = ""
  if #jobs > 0 then
    job = string.format(',"job":"%s"', jobs[(i % #jobs) + 1])
  end
  local body = string.format('{"query":"%s","variables":{"lat":%f,"lon":%f%s}}', query, lat, lon, job)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, t in ipairs(threads) do
    total_bad = total_bad + (t:get("bad") or 0)
  end
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d bad=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests, total_bad))
end
