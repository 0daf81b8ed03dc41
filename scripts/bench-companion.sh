#!/usr/bin/env bash
# Benchmarks POST /oauth1/{id}/sign of the companion (server profile, a signed-in session)
# against a bare axum handler of the same shape (crates/companion/examples/bare.rs) and an
# oauthlib signing service under gunicorn with 2 workers (crates/companion/bench/oauthlib_service.py).
# wrk: 64 connections, 20 s each (BENCH_SECONDS, BENCH_CONNECTIONS to change). Prints requests/s,
# p99 latency, the ratios (targets: >= 30x python, >= 0.7x bare) and the companion's RSS idle
# and under load. BENCH_SKIP_BUILD=1 skips the build.
#   scripts/bench-companion.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
secs="${BENCH_SECONDS:-20}"
conns="${BENCH_CONNECTIONS:-64}"
threads="${BENCH_THREADS:-2}"
py="${BENCH_PYTHON_VENV:-$root/.venv/reference}"
port_c=18180 port_b=18181 port_p=18182
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk curl; do command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }; done
[ -x "$py/bin/gunicorn" ] || { echo "bench: $py/bin/gunicorn missing (python3 -m venv .venv/reference && .venv/reference/bin/pip install -r tests/reference/requirements.txt)" >&2; exit 1; }

# BENCH_SKIP_BUILD=1 reuses target/server binaries (cargo waits for the shared target lock).
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "building (cargo --profile server)…" >&2
  cargo build --quiet --locked --profile server -p latchkey-companion --bin latchkey --example bare --example mint_session
fi
bin="$root/target/server"

mkdir -p "$work/dist" && echo '<!doctype html><title>bench</title>' > "$work/dist/index.html"
cat > "$work/latchkey.toml" <<TOML
[server]
listen = "127.0.0.1:$port_c"
public_url = "http://127.0.0.1:$port_c"
static_dir = "$work/dist"

[[provider]]
id = "bench"
name = "Bench"
protocol = "oauth1"
request_token_url = "http://127.0.0.1:9/oauth/request_token"
authorize_url = "http://127.0.0.1:9/oauth/authorize"
access_token_url = "http://127.0.0.1:9/oauth/access_token"
consumer_key = "latchkeydemoconsumer01"
consumer_secret_env = "BENCH_CONSUMER_SECRET"
api_base = "http://127.0.0.1:9/api/"
TOML
export BENCH_CONSUMER_SECRET="bench-consumer-secret"
LATCHKEY_COOKIE_KEY="$("$bin/latchkey" config new-key)"
export LATCHKEY_COOKIE_KEY
cookie="$("$bin/examples/mint_session" "$work/latchkey.toml" bench)"

RUST_LOG=warn "$bin/latchkey" serve --config "$work/latchkey.toml" >"$work/companion.log" 2>&1 &
pids+=($!); companion=$!
"$bin/examples/bare" "127.0.0.1:$port_b" >"$work/bare.log" 2>&1 &
pids+=($!)
"$py/bin/gunicorn" -w 2 -b "127.0.0.1:$port_p" --chdir "$root/crates/companion/bench" --log-level warning oauthlib_service:app >"$work/python.log" 2>&1 &
pids+=($!)

body='{"method":"POST","url":"http://127.0.0.1:9/api/statuses/update.json?include_entities=true","params":[["status","Hello Ladies + Gentlemen, a signed OAuth request!"]]}'
wait_up() {
  for _ in $(seq 100); do
    if curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -H "Origin: http://127.0.0.1:$port_c" \
      -H "Cookie: $cookie" --data "$body" "$1"; then return 0; fi
    sleep 0.1
  done
  echo "bench: $1 did not come up" >&2; cat "$work"/*.log >&2; exit 1
}
for port in $port_c $port_b $port_p; do wait_up "http://127.0.0.1:$port/oauth1/bench/sign"; done
echo "companion answer: $(curl -fsS -X POST -H 'Content-Type: application/json' -H "Origin: http://127.0.0.1:$port_c" -H "Cookie: $cookie" --data "$body" "http://127.0.0.1:$port_c/oauth1/bench/sign" | cut -c1-120)…" >&2
echo "python answer:    $(curl -fsS -X POST -H 'Content-Type: application/json' --data "$body" "http://127.0.0.1:$port_p/oauth1/bench/sign" | cut -c1-120)…" >&2

cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Origin"] = "http://127.0.0.1:$port_c"
wrk.headers["Cookie"] = "$cookie"
LUA

rss() { awk '/^VmRSS/ {print $2 " kB"}' "/proc/$1/status"; }
rss_idle="$(rss "$companion")"

run() { # name port -> sets rps_<name>, p99_<name>, errors
  local out
  out="$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$work/post.lua" "http://127.0.0.1:$2/oauth1/bench/sign")"
  echo "$out" > "$work/wrk-$1.txt"
  local rps p99 non2xx
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  [ -z "$non2xx" ] || { echo "bench: $1 answered $non2xx non-2xx responses" >&2; echo "$out" >&2; exit 1; }
  printf -v "rps_$1" '%s' "$rps"
  printf -v "p99_$1" '%s' "$p99"
}

echo "companion (${secs}s, $conns connections)…" >&2
( sleep "$((secs / 2))"; rss "$companion" > "$work/rss-load" ) &
run companion $port_c
rss_load="$(cat "$work/rss-load")"
echo "bare axum…" >&2
run bare $port_b
echo "python oauthlib (gunicorn, 2 workers)…" >&2
run python $port_p

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '\n%-34s %12s %10s\n' "POST /oauth1/{id}/sign" "requests/s" "p99"
printf '%-34s %12s %10s\n' "companion (server profile)" "$rps_companion" "$p99_companion"
printf '%-34s %12s %10s\n' "bare axum handler" "$rps_bare" "$p99_bare"
printf '%-34s %12s %10s\n' "oauthlib + gunicorn (2 workers)" "$rps_python" "$p99_python"
printf '\ncompanion / python: %sx (target >= 30)\n' "$(ratio "$rps_companion" "$rps_python")"
printf 'companion / bare:   %sx (target >= 0.7)\n' "$(ratio "$rps_companion" "$rps_bare")"
printf 'companion RSS: idle %s, under load %s\n' "$rss_idle" "$rss_load"
