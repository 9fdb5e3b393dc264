-- wrk script: each request takes a random path from a file (one per line) and sends an
-- optional bearer token. usage: wrk ... -s bench/wrk-paths.lua URL -- PATHS_FILE [TOKEN]
local paths, token = {}, nil
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  token = args[2]
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request()
  local headers = {}
  if token then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
