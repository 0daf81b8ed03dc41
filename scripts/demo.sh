#!/usr/bin/env bash
# Runs the Latchkey demo on this machine: installs what is missing (scripts/setup.sh), builds
# the app and the companion, starts the two local reference providers (Django OAuth Toolkit for
# OAuth 2.0 / OpenID Connect, Flask-OAuthlib for OAuth 1.0a) and the companion serving the app,
# then prints where to go and how to sign in. Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$LATCHKEY_ROOT"

APP_PORT=8080 DOT_PORT=9000 FLASK_PORT=9100
APP="http://127.0.0.1:$APP_PORT"
DATA="$LATCHKEY_ROOT/.latchkey/demo"
DEMO_USER=demo DEMO_PASSWORD=latchkey-demo-pw

for port in $APP_PORT $DOT_PORT $FLASK_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "demo: port $port on 127.0.0.1 is already in use; stop what runs there first." >&2
    exit 1
  fi
done

bash scripts/setup.sh
step "Building the app (trunk build --release, offline)"
trunk build --release
step "Building the example static site with the embed (scripts/build-site.sh dist/site)"
bash scripts/build-site.sh dist/site
step "Building the companion"
cargo build --locked -p latchkey-companion
LATCHKEY="$LATCHKEY_ROOT/target/debug/latchkey"

mkdir -p "$DATA"
# Secrets of the demo, made once and kept in .latchkey/demo (git-ignored).
[ -s "$DATA/cookie-key" ] || "$LATCHKEY" config new-key > "$DATA/cookie-key"
[ -s "$DATA/flask-consumer-secret" ] || head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$DATA/flask-consumer-secret"
[ -s "$DATA/dot-conf-client-secret" ] || head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$DATA/dot-conf-client-secret"
# DOT_CONF_CLIENT_SECRET makes DOT's setup register the confidential client conf-demo, and the
# companion reads it to mediate that client's token requests (examples/latchkey.toml, dot-conf).
export LATCHKEY_COOKIE_KEY FLASK_CONSUMER_SECRET DOT_CONF_CLIENT_SECRET
LATCHKEY_COOKIE_KEY="$(cat "$DATA/cookie-key")"
FLASK_CONSUMER_SECRET="$(cat "$DATA/flask-consumer-secret")"
DOT_CONF_CLIENT_SECRET="$(cat "$DATA/dot-conf-client-secret")"
export DOT_DEMO_PASSWORD="$DEMO_PASSWORD" FLASK_DEMO_PASSWORD="$DEMO_PASSWORD"

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "demo stopped"
}
trap cleanup EXIT INT TERM

# wait_for NAME URL LOG: polls URL for up to 60 s.
wait_for() {
  for _ in $(seq 120); do
    curl -fsS -o /dev/null "$2" 2>/dev/null && { echo "$1 is up"; return 0; }
    sleep 0.5
  done
  echo "demo: $1 did not come up; its log, $3:" >&2; tail -n 30 "$3" >&2; exit 1
}

step "Starting the providers and the companion"
# The app returns to /callback/<id> (one address per provider); the example site to
# /site/callback.html.
DOT_REDIRECT_URIS="$APP/callback/dot $APP/callback/dot-conf $APP/site/callback.html" \
  tests/providers/dot/run.sh --port $DOT_PORT --app-origin "$APP" --data "$DATA/dot" >"$DATA/dot.log" 2>&1 &
pids+=($!)
tests/providers/flask/run.sh --port $FLASK_PORT --callback "$APP/oauth1/flask/callback" \
  --data "$DATA/flask" >"$DATA/flask.log" 2>&1 &
pids+=($!)
wait_for "Django OAuth Toolkit" "http://127.0.0.1:$DOT_PORT/o/.well-known/openid-configuration" "$DATA/dot.log"
wait_for "Flask-OAuthlib" "http://127.0.0.1:$FLASK_PORT/healthz" "$DATA/flask.log"
"$LATCHKEY" config check --config examples/latchkey.toml
"$LATCHKEY" serve --config examples/latchkey.toml >"$DATA/companion.log" 2>&1 &
pids+=($!)
wait_for "the companion" "$APP/healthz" "$DATA/companion.log"

cat <<EOM

  Latchkey demo is running: open $APP

  Sign in with "Django OAuth Toolkit" (OAuth 2.0 + OpenID Connect, in the browser),
  with "Django OAuth Toolkit (confidential, via the companion)" (a client whose token
  endpoint refuses browsers, so the companion adds the secret to its token requests),
  or with "Flask OAuth1 demo" (OAuth 1.0a, through the companion) as:
      user      $DEMO_USER
      password  $DEMO_PASSWORD

  The same sign-in on a plain static site, with one script tag (examples/static-site):
      $APP/site/

  Logs: $DATA/{dot,flask,companion}.log    Stop: Ctrl-C
EOM
wait -n "${pids[@]}" || true
echo "demo: a process ended; see the logs in $DATA" >&2
