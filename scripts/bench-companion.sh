#!/usr/bin/env bash
# Benchmarks POST /oauth1/{id}/sign of the companion (server profile, signed-in sessions)
# against a bare axum handler of the same shape (crates/companion/examples/bare.rs) and two
# oauthlib signing services (crates/companion/bench/oauthlib_service.py):
# - "python, fair": `checked_app` under gunicorn's gthread workers (BENCH_PY_WORKERS, default 2,
#   BENCH_PY_THREADS threads each, default 4), which keep connections alive as the Rust servers
#   do, and which makes the companion's checks: Origin / Fetch Metadata, the same sealed session
#   cookie opened with the same key (AES-256-GCM, memoised per process as the companion's session
#   cache does), the URL confined under api_base. The 30x bar is read against this one.
# - "python, old": the earlier baseline, `app` under 2 sync workers (a connection closed after
#   every answer) with no checks, kept so the old ratio prints beside the new one.
# Every request carries one of BENCH_COOKIES session cookies (default 16, each minted apart),
# rotated per request. Any non-2xx answer stops the run; wrk's socket errors (connect, read,
# write, timeout) are failures, printed per run: requests/s counts completed 2xx answers only.
# wrk: 64 connections, 10 s a run (BENCH_SECONDS, BENCH_CONNECTIONS to change), in two modes:
# unpinned (servers and wrk share every CPU) and pinned (every thread of the server on CPU 1,
# wrk on CPU 0, so each server gets the same one-core budget and wrk does not compete with it).
# Each mode has BENCH_ROUNDS rounds (default 3); a round runs the four servers back to back,
# so its ratios compare runs seconds apart. For every round and as medians it prints
# requests/s, p99, the server's CPU time per request (µs, user + system), the load average at
# the start of the run and the round's ratios (targets: >= 30x python, >= 0.7x bare), then the
# companion's RSS idle and under load.
# Read the pinned ratios for the 30x bar: unpinned, gunicorn's two workers get both cores while
# the Rust servers share theirs with wrk, so even the bare handler stays below 30x there.
# BENCH_SKIP_BUILD=1 skips the build; BENCH_BIN_DIR points at another directory of
# server-profile binaries; BENCH_RUST_LOG sets the companion's log filter (default: none, so
# `latchkey serve`'s own default, info). BENCH_KEEP=DIR keeps the raw results, wrk's outputs
# and the servers' logs there.
#   scripts/bench-companion.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
secs="${BENCH_SECONDS:-10}"
rounds="${BENCH_ROUNDS:-3}"
conns="${BENCH_CONNECTIONS:-64}"
threads="${BENCH_THREADS:-2}"
py="${BENCH_PYTHON_VENV:-$root/.venv/reference}"
py_workers="${BENCH_PY_WORKERS:-2}"
py_threads="${BENCH_PY_THREADS:-4}"
ncookies="${BENCH_COOKIES:-16}"
port_c=18180 port_b=18181 port_p=18182 port_f=18183
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${BENCH_KEEP:-}" ] && [ -d "$work" ]; then mkdir -p "$BENCH_KEEP" && cp -r "$work"/. "$BENCH_KEEP"/; fi
  rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk curl taskset; do command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }; done
[ -x "$py/bin/gunicorn" ] || { echo "bench: $py/bin/gunicorn missing (python3 -m venv .venv/reference && .venv/reference/bin/pip install -r tests/reference/requirements.txt)" >&2; exit 1; }

# BENCH_SKIP_BUILD=1 reuses target/server binaries (cargo waits for the shared target lock).
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "building (cargo --profile server)…" >&2
  cargo build --quiet --locked --profile server -p latchkey-companion --bin latchkey --example bare --example mint_session
fi
bin="${BENCH_BIN_DIR:-$root/target/server}"

mkdir -p "$work/dist" && echo '<!doctype html><title>bench</title>' > "$work/dist/index.html"
# The companion allows /sign 600 requests a minute per client address, and wrk is one address.
# As behind a load balancer, it believes the X-Forwarded-For of loopback, and each request
# names one of $naddrs client addresses (every server gets the same header); their budgets are
# set as high as a configuration allows, so nothing here is refused for its rate.
naddrs=4096
cat > "$work/latchkey.toml" <<TOML
[server]
listen = "127.0.0.1:$port_c"
public_url = "http://127.0.0.1:$port_c"
static_dir = "$work/dist"
trusted_proxies = ["127.0.0.1"]
api_rate_per_minute = 100000
api_rate_burst = 100000

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
cookies=()
for _ in $(seq "$ncookies"); do cookies+=("$("$bin/examples/mint_session" "$work/latchkey.toml" bench)"); done
cookie="${cookies[0]}"

# The log level `latchkey serve` runs at by default (info; the per-request span is DEBUG since
# session 3) unless BENCH_RUST_LOG says otherwise, e.g. `info,latchkey_companion=debug` to
# measure with the span on.
if [ -n "${BENCH_RUST_LOG:-}" ]; then log_env=(env RUST_LOG="$BENCH_RUST_LOG"); else log_env=(env -u RUST_LOG); fi
"${log_env[@]}" "$bin/latchkey" serve --config "$work/latchkey.toml" >"$work/companion.log" 2>&1 &
pids+=($!); companion=$!
"$bin/examples/bare" "127.0.0.1:$port_b" >"$work/bare.log" 2>&1 &
pids+=($!); bare=$!
"$py/bin/gunicorn" -w 2 -b "127.0.0.1:$port_p" --chdir "$root/crates/companion/bench" --log-level warning oauthlib_service:app >"$work/python.log" 2>&1 &
pids+=($!); python=$!
BENCH_COOKIE_KEY="$LATCHKEY_COOKIE_KEY" BENCH_ORIGIN="http://127.0.0.1:$port_c" BENCH_API_BASE="http://127.0.0.1:9/api/" \
  BENCH_PROVIDER=bench "$py/bin/gunicorn" -k gthread -w "$py_workers" --threads "$py_threads" --keep-alive 75 \
  -b "127.0.0.1:$port_f" --chdir "$root/crates/companion/bench" --log-level warning oauthlib_service:checked_app >"$work/pyfair.log" 2>&1 &
pids+=($!); pyfair=$!

body='{"method":"POST","url":"http://127.0.0.1:9/api/statuses/update.json?include_entities=true","params":[["status","Hello Ladies + Gentlemen, a signed OAuth request!"]]}'
wait_up() {
  for _ in $(seq 100); do
    if curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -H "Origin: http://127.0.0.1:$port_c" \
      -H "Cookie: $cookie" --data "$body" "$1"; then return 0; fi
    sleep 0.1
  done
  echo "bench: $1 did not come up" >&2; cat "$work"/*.log >&2; exit 1
}
for port in $port_c $port_b $port_p $port_f; do wait_up "http://127.0.0.1:$port/oauth1/bench/sign"; done
# The fair Python service must refuse what the companion refuses (else it is not doing the checks).
for case in "origin" "cookie"; do
  if [ "$case" = origin ]; then h=(-H "Origin: http://evil.example" -H "Cookie: $cookie"); else h=(-H "Origin: http://127.0.0.1:$port_c" -H "Cookie: latchkey-bench-session=x${cookie#*=}"); fi
  for port in $port_c $port_f; do
    code="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "${h[@]}" --data "$body" "http://127.0.0.1:$port/oauth1/bench/sign")"
    case "$code" in 401|403) ;; *) echo "bench: port $port answered $code to a bad $case" >&2; exit 1 ;; esac
  done
done
echo "companion answer: $(curl -fsS -X POST -H 'Content-Type: application/json' -H "Origin: http://127.0.0.1:$port_c" -H "Cookie: $cookie" --data "$body" "http://127.0.0.1:$port_c/oauth1/bench/sign" | cut -c1-120)…" >&2
echo "python answer:    $(curl -fsS -X POST -H 'Content-Type: application/json' --data "$body" "http://127.0.0.1:$port_p/oauth1/bench/sign" | cut -c1-120)…" >&2
echo "fair python:      $(curl -fsS -X POST -H 'Content-Type: application/json' -H "Origin: http://127.0.0.1:$port_c" -H "Cookie: $cookie" --data "$body" "http://127.0.0.1:$port_f/oauth1/bench/sign" | cut -c1-120)…" >&2

# The requests are formatted once per wrk thread; each request takes the next cookie and the
# next client address.
{
  echo 'local cookies = {'
  for c in "${cookies[@]}"; do echo "  \"$c\","; done
  echo '}'
  cat <<LUA
local reqs, i = {}, 0
function init(args)
  for k = 1, $naddrs do
    reqs[k] = wrk.format("POST", nil, {
      ["Content-Type"] = "application/json",
      ["Origin"] = "http://127.0.0.1:$port_c",
      ["Cookie"] = cookies[(k - 1) % #cookies + 1],
      ["X-Forwarded-For"] = string.format("10.0.%d.%d", math.floor((k - 1) / 256), (k - 1) % 256),
    }, '$body')
  end
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
LUA
} > "$work/post.lua"

rss() { awk '/^VmRSS/ {print $2 " kB"}' "/proc/$1/status"; }
rss_idle="$(rss "$companion")"
pid_companion=$companion pid_bare=$bare pid_python=$python pid_pyfair=$pyfair
# Every process of a server (gunicorn: the master and its workers).
procs() { echo "$1"; pgrep -P "$1" || true; }
# CPU time (user + system, clock ticks) of a server, all its processes and threads.
cpu_ticks() { local t=0 p; for p in $(procs "$1"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
hz="$(getconf CLK_TCK)"
# Pins every thread of every process of a server to the CPU list $2.
pin() { local p; for p in $(procs "$1"); do taskset -a -p -c "$2" "$p" >/dev/null; done; }
load() { awk '{print $1}' /proc/loadavg; }

run() { # mode round name port -> appends "mode round name rps p99 cpu load" to $results
  local mode=$1 round=$2 name=$3 port=$4 pid wrk_cpu out c0 c1
  pid="$(eval echo "\$pid_$name")"
  if [ "$mode" = pinned ]; then pin "$pid" 1; wrk_cpu=0; else pin "$pid" "$all_cpus"; wrk_cpu="$all_cpus"; fi
  local la; la="$(load)"
  c0="$(cpu_ticks "$pid")"
  out="$(taskset -c "$wrk_cpu" wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/oauth1/bench/sign")"
  c1="$(cpu_ticks "$pid")"
  echo "$out" > "$work/wrk-$mode-$round-$name.txt"
  local rps p99 non2xx reqs cpu errs
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  reqs="$(awk '/requests in/ {print $1}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  [ -z "$non2xx" ] || { echo "bench: $name answered $non2xx non-2xx responses" >&2; echo "$out" >&2; exit 1; }
  # "Socket errors: connect 0, read 12, write 0, timeout 3": each is a request that failed.
  errs="$(awk '/Socket errors/ { n = 0; for (i = 1; i < NF; i++) if ($i ~ /^(connect|read|write|timeout)$/) n += $(i + 1); print n }' <<<"$out")"
  errs="${errs:-0}"
  # wrk counts only completed answers in requests/s (and a non-2xx one stopped the run above),
  # so a request lost to a socket error is not in it: the errors column counts those failures.
  cpu="$(awk -v t=$((c1 - c0)) -v hz="$hz" -v r="$reqs" 'BEGIN { printf "%.1f", t * 1e6 / hz / r }')"
  echo "$mode $round $name $rps $p99 $cpu $la $errs" >> "$results"
}

# Rounds: each round measures the three servers back to back, so a round's ratios compare
# runs seconds apart. This VM's speed drifts by 15 % and more over minutes; the median of the
# rounds' ratios is the figure that drift moves least.
results="$work/results"
all_cpus="0-$(($(nproc) - 1))"
for mode in unpinned pinned; do
  [ "$mode" = unpinned ] && echo "unpinned: servers and wrk share all CPUs ($all_cpus)" >&2
  [ "$mode" = pinned ] && echo "pinned: each server alone on CPU 1 (every process and thread), wrk on CPU 0" >&2
  for round in $(seq "$rounds"); do
    echo "  round $round/$rounds: companion, bare axum, python (old), python (fair); ${secs}s each, $conns connections, $ncookies cookies…" >&2
    if [ "$mode" = unpinned ] && [ "$round" = 1 ]; then ( sleep "$((secs / 2))"; rss "$companion" > "$work/rss-load" ) & fi
    run "$mode" "$round" companion $port_c
    run "$mode" "$round" bare $port_b
    run "$mode" "$round" python $port_p
    run "$mode" "$round" pyfair $port_f
  done
done
rss_load="$(cat "$work/rss-load")"

# One table per mode: every round, then the medians (a server's median requests/s, p99 and
# CPU time; the ratios' median is over the rounds' own ratios). "vs py old" is the earlier
# baseline's ratio, "vs py fair" the one the 30x bar is read against.
awk -v rounds="$rounds" -v pyw="$py_workers" -v pyt="$py_threads" '
  function median(list, n,   a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function ms(p99) { # wrk prints 1.23ms, 456.78us or 1.02s
    if (p99 ~ /us$/) return p99 / 1000; if (p99 ~ /ms$/) return p99 + 0; if (p99 ~ /s$/) return p99 * 1000; return p99 + 0
  }
  {
    mode = $1; r = $2; name = $3
    rps[mode, r, name] = $4; p99[mode, r, name] = ms($5); cpu[mode, r, name] = $6; la[mode, r, name] = $7; err[mode, r, name] = $8
    if (!(mode in seen)) { seen[mode] = 1; modes[++nmodes] = mode }
  }
  function row(n, r, rps, p99, cpu, la, e, extra) {
    printf "%-8s %-40s %7s %12.0f %9.2f %11.1f %7s %6s%s\n", "", label[n], r, rps, p99, cpu, e, la, extra
  }
  END {
    label["companion"] = "companion (server profile)"; label["bare"] = "bare axum handler"
    label["python"] = "py old: sync x2, no checks"; label["pyfair"] = sprintf("py fair: gthread %dx%d, same checks", pyw, pyt)
    split("companion bare python pyfair", names, " ")
    for (m = 1; m <= nmodes; m++) {
      mode = modes[m]
      printf "\n%-8s %-40s %7s %12s %9s %11s %7s %6s %10s %10s %9s\n", mode, "POST /oauth1/{id}/sign", "round", "requests/s", "p99 ms", "CPU µs/req", "errors", "load", "vs py old", "vs py fair", "vs bare"
      vo = ""; vf = ""; vb = ""
      for (r = 1; r <= rounds; r++) {
        for (k = 1; k <= 4; k++) {
          n = names[k]
          extra = ""
          if (n == "companion") {
            o = rps[mode, r, "companion"] / rps[mode, r, "python"]; f = rps[mode, r, "companion"] / rps[mode, r, "pyfair"]; b = rps[mode, r, "companion"] / rps[mode, r, "bare"]
            vo = vo " " o; vf = vf " " f; vb = vb " " b
            extra = sprintf(" %9.1fx %9.1fx %8.2fx", o, f, b)
          }
          row(n, r, rps[mode, r, n], p99[mode, r, n], cpu[mode, r, n], la[mode, r, n], err[mode, r, n], extra)
        }
      }
      for (k = 1; k <= 4; k++) {
        n = names[k]; lr = ""; lp = ""; lc = ""; le = 0
        for (r = 1; r <= rounds; r++) { lr = lr " " rps[mode, r, n]; lp = lp " " p99[mode, r, n]; lc = lc " " cpu[mode, r, n]; le += err[mode, r, n] }
        extra = n == "companion" ? sprintf(" %9.1fx %9.1fx %8.2fx", median(vo), median(vf), median(vb)) : ""
        row(n, "median", median(lr), median(lp), median(lc), "", le " in all", extra)
      }
      f = median(vf)
      printf "%-8s median of the rounds: companion / python, fair %.1fx (target >= 30: %s; old baseline %.1fx), companion / bare %.2fx (target >= 0.7)\n", "", f, (f >= 30 ? "met" : "NOT MET"), median(vo), median(vb)
    }
  }' "$results"
printf '\ncompanion RSS: idle %s, under load %s\n' "$rss_idle" "$rss_load"
