-- wrk script for scripts/loadtest.sh LOADGEN=wrk: posts the quote editor's
-- live recalculation as scripts/loadtest does, each request another width.
-- The session cookie and CSRF token come from the environment (the shell
-- script signs in with curl first).
local cookie = os.getenv("LOADTEST_COOKIE")
local csrf = os.getenv("LOADTEST_CSRF")
local product = os.getenv("LOADTEST_PRODUCT") or "PROTO-COR-3"
local n = 0

local function escape(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- The 150 requests (widths 100-249 cm) are formatted once: wrk shares the
-- cores with the server, so it should spend as little as it can per request.
local requests = {}
function init(args)
  local head = "_csrf=" .. escape(csrf) .. "&linea=0&customer_name=Carga&unit=cm&pricing_mode=por_metro" ..
    "&profit_rate=25&indirect_rate=15&iva_rate=16&deposit_rate=50&discount_type=porcentaje" ..
    "&price_display=mas_iva&valid_until=2030-01-01&item-0-product_code=" .. escape(product) ..
    "&item-0-height=120&item-0-quantity=1&item-0-width="
  for i = 0, 149 do
    requests[i] = wrk.format("POST", "/cotizaciones/calcular", {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["HX-Request"] = "true",
      ["Accept-Encoding"] = "gzip",
      ["Cookie"] = cookie,
    }, head .. (100 + i))
  end
end

function request()
  n = n + 1
  return requests[n % 150]
end

-- No response() function: with one, wrk hands every answer's headers and
-- body to Lua, which cost the generator (on the server's 2 cores) more
-- than the rest of its work. loadtest.sh checks one answer with curl first,
-- and wrk counts answers that are not 2xx/3xx itself.

function done(summary, latency, requests)
  io.write(string.format("wrk: %d requests, %d non-2xx/3xx, %d socket errors\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
