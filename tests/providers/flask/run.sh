#!/usr/bin/env bash
# Start the Flask-OAuthlib OAuth 1.0a fixture in the foreground (the caller backgrounds it).
#   run.sh [--port 9100] [--callback URI]... [--data DIR]
# Consumer key: $FLASK_CONSUMER_KEY (default latchkeydemoconsumer01); consumer secret:
# $FLASK_CONSUMER_SECRET (default: generated into DIR/consumer-secret). Runs setup, then serves.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
python="${FLASK_PYTHON:-$repo/.venv/flask/bin/python}"
port=9100
callbacks=()
data="$here/data"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --callback) callbacks+=("$2"); shift 2 ;;
    --data) data="$2"; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [[ ! -x "$python" ]]; then
  echo "run.sh: $python missing; create it: python3 -m venv .venv/flask && .venv/flask/bin/pip install -r tests/providers/flask/requirements.txt" >&2
  exit 1
fi
[[ ${#callbacks[@]} -gt 0 ]] || callbacks=("http://127.0.0.1:8080/oauth1/flask/callback")
export FLASK_DATA_DIR="$data" FLASK_CALLBACK_URIS="${callbacks[*]}"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
cd "$here"
"$python" provider.py setup
exec "$python" provider.py serve "$port"
