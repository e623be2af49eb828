-- POST /recommend (the active policy and two shadows), K = 20 candidates, 10k users cycled, Europe/Berlin.
local n = 0
local cands = {}
for i = 0, 19 do
  local due = (i % 2 == 1) and "null" or "\"2026-11-25T00:00:00Z\""
  cands[#cands+1] = string.format('{"id":"t%d","priority":%d,"created_at":"2026-11-01T00:00:00Z","due_at":%s}', i, i % 5, due)
end
local candsJson = "[" .. table.concat(cands, ",") .. "]"
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
request = function()
  n = n + 1
  local body = string.format('{"user_id":"load%d","now":"2026-11-24T09:30:00Z","timezone":"Europe/Berlin","candidates":%s}', n % 10000, candsJson)
  return wrk.format(nil, "/recommend", nil, body)
end
