-- Random path from a list file: one path per line, named by env BENCH_PATHS.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
local list = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if line ~= "" then list[#list + 1] = line end
end
local etag = os.getenv("BENCH_ETAG")
math.randomseed(os.time())
request = function()
  local h = {}
  if etag and etag ~= "" then h["If-None-Match"] = etag end
  return wrk.format("GET", list[math.random(#list)], h)
end
