#!/usr/bin/env bash
# Load test of the companion (issue #7): wrk, 64 connections, 60 s (LOAD_SECONDS to change),
# valid requests only, from one Lua script (scripts in the temp dir, written below):
#   - mix, 62 connections: POST /oauth1/{id}/sign for a signed-in session and the signing
#     proxy (GET with a query, POST with a form body) to a local nginx standing in for an API
#     behind api_base, in the rotation sign, proxy GET, sign, proxy POST;
#   - login, 2 connections at the same time: GET /oauth1/{id}/login, the login redirect,
#     which makes a real request-token call to the Flask-OAuthlib provider
#     (tests/providers/flask) and answers 302 to its authorize page.
# The login leg runs on its own two connections rather than as a share of the mix: the
# provider (a threaded Werkzeug server writing every request token and nonce to SQLite) manages
# a few dozen to a few hundred request tokens a second, and wrk's connections are closed-loop,
# so as a share it would park most of the 64 connections behind Flask and measure Flask.
# Reports requests/s, p50/p99 per leg, answers by status, the answers other than 2xx/3xx to
# these valid requests and the socket errors and timeouts (all must be 0: exits 1 otherwise),
# and the companion's RSS before and after. LOAD_SKIP_BUILD=1 reuses target/server binaries;
# LOAD_BIN_DIR points at another directory of server-profile binaries.
#   scripts/load-companion.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
secs="${LOAD_SECONDS:-60}"
login_conns=2
mix_conns=62
port_c=18190 port_api=18191 port_flask=18192
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk curl nginx; do command -v "$tool" >/dev/null || { echo "load: $tool is missing" >&2; exit 1; }; done
[ -x "$root/.venv/flask/bin/python" ] || { echo "load: .venv/flask missing (scripts/setup.sh creates it)" >&2; exit 1; }

if [ "${LOAD_SKIP_BUILD:-0}" != 1 ]; then
  echo "building (cargo --profile server)…" >&2
  cargo build --quiet --locked --profile server -p latchkey-companion --bin latchkey --example mint_session
fi
bin="${LOAD_BIN_DIR:-$root/target/server}"

# The API stand-in: nginx answering 200 JSON to any method under /api/.
mkdir -p "$work/nginx/tmp"
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp;
  proxy_temp_path $work/nginx/tmp;
  fastcgi_temp_path $work/nginx/tmp;
  uwsgi_temp_path $work/nginx/tmp;
  scgi_temp_path $work/nginx/tmp;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$port_api;
    location /api/ { default_type application/json; return 200 '{"ok":true}'; }
  }
}
NGINX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)

export FLASK_CONSUMER_SECRET="load-consumer-secret-0123456789"
"$root/tests/providers/flask/run.sh" --port "$port_flask" --data "$work/flask" \
  --callback "http://127.0.0.1:$port_c/oauth1/flask/callback" >"$work/flask.log" 2>&1 &
pids+=($!)

mkdir -p "$work/dist" && echo '<!doctype html><title>load</title>' > "$work/dist/index.html"
# The companion allows each client address 600 signed requests and 20 sign-ins a minute, and
# wrk is one address. As behind a load balancer, it believes the X-Forwarded-For of loopback,
# and each request names one of $naddrs client addresses, with budgets as high as a
# configuration allows: this measures load, not the limits (their tests are the router's).
naddrs=4096
cat > "$work/latchkey.toml" <<TOML
[server]
listen = "127.0.0.1:$port_c"
public_url = "http://127.0.0.1:$port_c"
static_dir = "$work/dist"
trusted_proxies = ["127.0.0.1"]
api_rate_per_minute = 100000
api_rate_burst = 100000
token_rate_per_minute = 100000
token_rate_burst = 100000

[[provider]]
id = "flask"
name = "Flask"
protocol = "oauth1"
request_token_url = "http://127.0.0.1:$port_flask/oauth/request_token"
authorize_url = "http://127.0.0.1:$port_flask/oauth/authorize"
access_token_url = "http://127.0.0.1:$port_flask/oauth/access_token"
consumer_key = "latchkeydemoconsumer01"
consumer_secret_env = "FLASK_CONSUMER_SECRET"
api_base = "http://127.0.0.1:$port_api/api/"
TOML
LATCHKEY_COOKIE_KEY="$("$bin/latchkey" config new-key)"
export LATCHKEY_COOKIE_KEY
# A signed-in session for /sign and the proxy (the API stand-in does not check the token).
cookie="$("$bin/examples/mint_session" "$work/latchkey.toml" flask)"
RUST_LOG=warn "$bin/latchkey" serve --config "$work/latchkey.toml" >"$work/companion.log" 2>&1 &
pids+=($!); companion=$!

origin="http://127.0.0.1:$port_c"
sign_body='{"method":"POST","url":"http://127.0.0.1:'"$port_api"'/api/statuses/update.json?include_entities=true","params":[["status","Hello Ladies + Gentlemen, a signed OAuth request!"]]}'
wait_up() { # url expected-status [curl args…]
  local url=$1 want=$2; shift 2
  for _ in $(seq 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url" || true)" = "$want" ] && return 0
    sleep 0.2
  done
  echo "load: $url did not answer $want" >&2; tail -n 20 "$work"/*.log >&2; exit 1
}
wait_up "http://127.0.0.1:$port_api/api/x" 200
wait_up "$origin/healthz" 200
wait_up "http://127.0.0.1:$port_flask/oauth/request_token" 400 -X POST
wait_up "$origin/oauth1/flask/sign" 200 -X POST -H 'Content-Type: application/json' -H "Origin: $origin" -H "Cookie: $cookie" --data "$sign_body"
# The proxy answers the app's scripts only (docs/notes/companion.md): send what a same-origin
# fetch() sends, Fetch Metadata and no Origin on a GET.
fetch_meta=(-H 'Sec-Fetch-Site: same-origin' -H 'Sec-Fetch-Mode: cors' -H 'Sec-Fetch-Dest: empty')
wait_up "$origin/oauth1/flask/api/me?x=1" 200 "${fetch_meta[@]}" -H "Cookie: $cookie"
wait_up "$origin/oauth1/flask/login?return_to=/" 302
location="$(curl -s -o /dev/null -w '%{redirect_url}' "$origin/oauth1/flask/login?return_to=/")"
case "$location" in
  "http://127.0.0.1:$port_flask/oauth/authorize?oauth_token="*) ;;
  *) echo "load: /login redirected to $location, not the provider's authorize page" >&2; exit 1 ;;
esac

cat > "$work/load.lua" <<LUA
-- wrk … -s load.lua URL -- mix|login. mix: sign, proxy GET, sign, proxy POST, … ; login: /login.
local cookie = "$cookie"
local origin = "$origin"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  leg = args[1]; n = 0; s200 = 0; s302 = 0; other = 0
  sign, proxy_get, proxy_post, login = {}, {}, {}, {}
  for k = 1, $naddrs do
    local from = string.format("10.0.%d.%d", math.floor((k - 1) / 256), (k - 1) % 256)
    sign[k] = wrk.format("POST", "/oauth1/flask/sign",
      { ["Content-Type"] = "application/json", ["Origin"] = origin, ["Cookie"] = cookie,
        ["X-Forwarded-For"] = from },
      '$sign_body')
    proxy_get[k] = wrk.format("GET", "/oauth1/flask/api/me?count=20&q=caf%C3%A9%20%2B%20~",
      { ["Cookie"] = cookie, ["Accept"] = "application/json", ["Sec-Fetch-Site"] = "same-origin",
        ["Sec-Fetch-Mode"] = "cors", ["Sec-Fetch-Dest"] = "empty", ["X-Forwarded-For"] = from })
    proxy_post[k] = wrk.format("POST", "/oauth1/flask/api/statuses/update.json",
      { ["Content-Type"] = "application/x-www-form-urlencoded", ["Origin"] = origin, ["Cookie"] = cookie,
        ["X-Forwarded-For"] = from },
      "status=load%20test&tag=a&tag=b")
    login[k] = wrk.format("GET", "/oauth1/flask/login?return_to=%2Fconsole", { ["X-Forwarded-For"] = from })
  end
end
function request()
  n = n + 1
  local a = n % $naddrs + 1
  if leg == "login" then return login[a] end
  local k = n % 4
  if k == 1 or k == 3 then return sign[a] elseif k == 2 then return proxy_get[a] else return proxy_post[a] end
end
function response(status, headers, body)
  if status == 200 then s200 = s200 + 1 elseif status == 302 then s302 = s302 + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do a = a + t:get("s200"); b = b + t:get("s302"); c = c + t:get("other") end
  local e = summary.errors
  io.write(string.format("STATUS 200=%d 302=%d other=%d\n", a, b, c))
  io.write(string.format("SOCKET connect=%d read=%d write=%d timeout=%d\n", e.connect, e.read, e.write, e.timeout))
end
LUA

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
rss_before="$(rss "$companion")"
load_before="$(awk '{print $1}' /proc/loadavg)"
echo "load: ${secs}s, $mix_conns connections sign/proxy + $login_conns connections login (load average $load_before)…" >&2
wrk -t1 -c"$login_conns" -d"${secs}s" --timeout 10s --latency -s "$work/load.lua" "$origin" -- login >"$work/wrk-login.txt" &
wrk_login=$!
wrk -t2 -c"$mix_conns" -d"${secs}s" --timeout 10s --latency -s "$work/load.lua" "$origin" -- mix >"$work/wrk-mix.txt"
wait "$wrk_login"
rss_after="$(rss "$companion")"
load_after="$(awk '{print $1}' /proc/loadavg)"
sleep 2
rss_settled="$(rss "$companion")"

failed=0
report() { # leg file
  local out rps p50 p99 total non s200 s302 other sock sock_total
  out="$(cat "$2")"
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  total="$(awk '/requests in/ {print $1}' <<<"$out")"
  non="$(awk '/Non-2xx or 3xx/ {print $NF}' <<<"$out")"; non="${non:-0}"
  read -r s200 s302 other < <(awk '/^STATUS/ {split($2,a,"="); split($3,b,"="); split($4,c,"="); print a[2], b[2], c[2]}' <<<"$out")
  sock="$(awk '/^SOCKET/ {sub(/^SOCKET /, ""); print}' <<<"$out")"
  sock_total="$(awk '/^SOCKET/ {t=0; for (i=2;i<=NF;i++) {split($i,a,"="); t+=a[2]} print t}' <<<"$out")"
  printf '  %-6s %9s requests %10s req/s  p50 %-9s p99 %-9s 200: %-8s 302: %-6s other: %s  non-2xx/3xx: %s  socket errors: %s\n' \
    "$1" "$total" "$rps" "$p50" "$p99" "$s200" "$s302" "$other" "$non" "$sock"
  if [ "$non" != 0 ] || [ "$other" != 0 ] || [ "$sock_total" != 0 ]; then failed=1; fi
  total_all=$((total_all + total))
}
total_all=0
printf '\ncompanion under load: %s s, %s connections (%s sign/proxy, %s login)\n' "$secs" "$((mix_conns + login_conns))" "$mix_conns" "$login_conns"
report mix "$work/wrk-mix.txt"
report login "$work/wrk-login.txt"
printf '  all    %9s requests %10s req/s\n' "$total_all" "$(awk -v t="$total_all" -v s="$secs" 'BEGIN { printf "%.0f", t / s }')"
printf '  companion RSS: before %s kB, right after %s kB, 2 s later %s kB\n' "$rss_before" "$rss_after" "$rss_settled"
printf '  load average: %s at start, %s at end (2 cores, shared with wrk, nginx and Flask)\n' "$load_before" "$load_after"
if [ "$failed" != 0 ]; then
  echo "load: FAILED: a valid request was answered outside 2xx/3xx, or a socket error or timeout" >&2
  grep -iE 'warn|error' "$work/companion.log" | tail -n 5 >&2 || true
  exit 1
fi
echo "load: ok (every valid request answered 2xx/3xx, no socket error)"
