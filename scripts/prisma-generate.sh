#!/usr/bin/env bash
# `prisma generate` never uses the schema engine, but the CLI insists on finding one;
# any existing file satisfies it, so no native binary is downloaded (docs/architecture.md: "The Prisma CLI's commands").
set -euo pipefail
cd "$(dirname "$0")/.."
engine=$(mktemp)
output=$(mktemp)
trap 'rm -f "$engine" "$output"' EXIT
if ! PRISMA_SCHEMA_ENGINE_BINARY="$engine" PRISMA_HIDE_UPDATE_MESSAGE=1 npx --no-install prisma generate >"$output" 2>&1; then
  cat "$output" >&2
  exit 1
fi
node scripts/prisma-wasm-from-file.mjs
