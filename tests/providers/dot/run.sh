#!/usr/bin/env bash
# Start the Django OAuth Toolkit fixture in the foreground (the caller backgrounds it).
#   run.sh [--port 9000] [--app-origin http://127.0.0.1:8080]... [--data DIR] [--access-token-seconds N]
# Runs `manage.py setup` (idempotent) and then serves on 127.0.0.1:PORT.
# DOT_CONF_CLIENT_SECRET in the environment adds the confidential client conf-demo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
python="${DOT_PYTHON:-$repo/.venv/dot/bin/python}"
port=9000
origins=()
data="$here/data"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --app-origin) origins+=("$2"); shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --access-token-seconds) export DOT_ACCESS_TOKEN_SECONDS="$2"; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [[ ! -x "$python" ]]; then
  echo "run.sh: $python missing; create it: python3 -m venv .venv/dot && .venv/dot/bin/pip install -r tests/providers/dot/requirements.txt" >&2
  exit 1
fi
[[ ${#origins[@]} -gt 0 ]] || origins=("http://127.0.0.1:8080")
export DOT_DATA_DIR="$data" DOT_PORT="$port" DOT_APP_ORIGINS="${origins[*]}"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
cd "$here"
"$python" manage.py setup
exec "$python" manage.py serve "$port"
