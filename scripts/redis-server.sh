#!/usr/bin/env bash
# Starts a throwaway Redis on a free loopback port and prints "DIR URL"; `stop DIR` ends it.
set -euo pipefail
case "${1:-}" in
  start)
    if ! command -v redis-server >/dev/null; then
      echo "redis-server is not installed; installing it from Debian's packages" >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
    fi
    dir=$(mktemp -d /tmp/gateway-redis.XXXXXX)
    port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    echo "$dir redis://127.0.0.1:$port"
    ;;
  stop)
    dir=$2
    [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
