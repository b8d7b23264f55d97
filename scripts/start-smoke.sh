#!/usr/bin/env bash
# The README's promise on a fresh checkout: after `npm ci`, `npm start` serves the gateway on
# its embedded default. Runs it on a loopback port with a throwaway data directory, waits for
# it to listen, checks /healthz and /readyz, and stops it.
set -euo pipefail
dir=$(mktemp -d /tmp/gateway-start.XXXXXX)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
PORT=$port HOST=127.0.0.1 DATABASE_URL="$dir/pglite" BACKUP_DIR="$dir/backups" SECRETS_KEY_FILE="$dir/secrets.key" \
  npm start >"$dir/out.log" 2>"$dir/err.log" &
pid=$!
cleanup() {
  pkill -TERM -P "$pid" 2>/dev/null || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  if grep -q "listening on" "$dir/out.log"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "npm start exited:" >&2; cat "$dir/out.log" "$dir/err.log" >&2; exit 1; fi
  sleep 1
done
grep -q "listening on" "$dir/out.log" || { echo "npm start did not listen within 120 s" >&2; cat "$dir/err.log" >&2; exit 1; }
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null
curl -fsS "http://127.0.0.1:$port/readyz"
echo
echo "npm start: listening on port $port, healthy"
