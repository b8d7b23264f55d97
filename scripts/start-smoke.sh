#!/usr/bin/env bash
# The README's promise on a fresh checkout: after `npm ci`, `npm start` serves the gateway on
# its embedded default. Runs it on a loopback port with a throwaway data directory, waits for
# it to listen, checks /healthz and /readyz, then does what docs/data-plane.md's proxy example
# does (sign up, a workspace, a tenant) and opens both with psql through the database proxy.
set -euo pipefail
dir=$(mktemp -d /tmp/gateway-start.XXXXXX)
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
port=$(free_port)
proxy_port=$(free_port)
PORT=$port HOST=127.0.0.1 TENANTSDB_PROXY_PORT=$proxy_port TENANTSDB_PROXY_HOST=127.0.0.1 DATABASE_URL="$dir/pglite" BACKUP_DIR="$dir/backups" SECRETS_KEY_FILE="$dir/secrets.key" \
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

# The TenantsDB quick start, as a newcomer runs it.
api="http://127.0.0.1:$port"
field() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const v=JSON.parse(s)$1;if(v===undefined){console.error(s);process.exit(1)}console.log(v)})"; }
post() { curl -fsS -X POST "$api$1" -H 'content-type: application/json' ${key:+-H "authorization: Bearer $key"} -d "$2"; }
for _ in $(seq 1 30); do grep -q "database proxy on" "$dir/out.log" && break; sleep 1; done
key=$(post /signup '{"email":"newcomer@example.com","password":"correct horse battery"}' | field .api_key)
workspace=$(post /workspaces '{"name":"main","database":"PostgreSQL","mode":"tenant"}' | field .connection_string)
psql "$workspace" -XAtq -v ON_ERROR_STOP=1 -c 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)'
deployment=$(post /deployments '{"blueprint_name":"main"}' | field .id)
for _ in $(seq 1 60); do
  [ "$(curl -fsS "$api/deployments/$deployment" -H "authorization: Bearer $key" | field .status)" = completed ] && break
  sleep 1
done
tenant=$(post /tenants '{"tenant_id":"acme","databases":[{"blueprint":"main","isolation_level":1}]}' | field '.databases[0].connection.connection_string')
psql "$tenant" -XAtq -v ON_ERROR_STOP=1 -c "INSERT INTO notes (body) VALUES ('hello from psql')"
[ "$(psql "$tenant" -XAtq -c 'SELECT body FROM notes')" = "hello from psql" ]
echo "npm start: psql opened a workspace and a tenant database through the proxy on port $proxy_port"
