#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 cluster on a free loopback port and prints its URL;
# `stop DIR` stops and removes it. initdb refuses root, so the cluster runs as postgres.
# Connections over TCP authenticate with SCRAM-SHA-256 as production servers do: the data
# plane's tenant logins are real logins with passwords, and a wrong one must fail.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin

case "${1:-}" in
  start)
    if [ ! -x "$bin/initdb" ]; then
      echo "PostgreSQL 15 is not installed; installing it from Debian's packages" >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
    fi
    dir=$(mktemp -d /tmp/gateway-pg.XXXXXX)
    chmod 755 "$dir"
    chown postgres "$dir"
    port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
    password=$(node -e "console.log(require('crypto').randomBytes(18).toString('hex'))")
    printf '%s\n' "$password" >"$dir/password"
    chown postgres "$dir/password"
    run "$bin/initdb -D '$dir/data' --auth-local=trust --auth-host=scram-sha-256 --pwfile='$dir/password' -U postgres --no-sync" >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    run "$bin/pg_ctl -D '$dir/data' -l '$dir/server.log' -w -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start" >&2
    echo "$dir postgresql://postgres:$password@127.0.0.1:$port/postgres"
    ;;
  stop)
    dir=$2
    run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
    run "$bin/pg_ctl -D '$dir/data' -m immediate stop" >&2 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
