#!/usr/bin/env bash
# Fuzzes the JSON API with schemathesis: a real `atende serve` on loopback, a fresh database with
# one account seeded with one of everything (scripts/schemathesis_seed.py, so every `{id}` names
# a real conversation, contact, inbox, ...), and every operation of /api/openapi.json with
# generated valid and invalid data. Checks: no 5xx, every status code and content type is one
# the document declares, and every response body matches its documented schema. Two passes:
# every method but DELETE, then DELETE (which removes the seeded records). Bounded: a fixed
# number of examples per operation and a fixed seed, so a run takes a few minutes and repeats
# itself.
#
# Needs DATABASE_URL (a PostgreSQL server URL whose user may create databases) and Python 3.
# `.ci/run` calls it after the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?DATABASE_URL must name a PostgreSQL server}"
examples="${SCHEMATHESIS_EXAMPLES:-25}"
seed="${SCHEMATHESIS_SEED:-263614335629968575796277257842343168889}"
venv=target/schemathesis-venv

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x "$venv/bin/st" ]; then
  if ! python3 -m venv "$venv" 2>/dev/null; then
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
    rm -rf "$venv"
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q 'schemathesis==4.32.5' 'hypothesis==6.170.29'
fi

cargo build --locked --quiet
db="atende_schemathesis_$$"
maintenance="$DATABASE_URL"
psql "$maintenance" -qc "drop database if exists $db" -qc "create database $db"
export DATABASE_URL="$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$maintenance" "$db")"
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  psql "$maintenance" -qc "drop database if exists $db with (force)" || true
  rm -f "${config:-}"
}
trap cleanup EXIT
./target/debug/atende migrate >/dev/null
account="$(./target/debug/atende create-account --name Fuzz --admin-email fuzz@example.com --json)"
account_id="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["account_id"])' "$account")"
token="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_access_token"])' "$account")"
# An active agent (an invitation stays pending, and a pending member is not assignable).
./target/debug/atende create-user --account-id "$account_id" --email bruno@example.com \
  --name "Bruno Lima" --role agent --password "fuzz-$(date +%s%N)" >/dev/null

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log=target/schemathesis-server.log
# Webhooks may point at loopback, where the seed's receiver listens.
ATENDE_OUTBOUND_ALLOW=127.0.0.1/32 ./target/debug/atende serve --bind "127.0.0.1:$port" >"$log" 2>&1 &
server=$!
up=
for _ in $(seq 1 60); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/api/openapi.json"; then up=1; break; fi
  sleep 1
done
if [ -z "$up" ]; then
  cat "$log" >&2
  echo "schemathesis: the server did not answer within 60 s" >&2
  exit 1
fi

config="$(mktemp)"  # removed by cleanup
python3 scripts/schemathesis_seed.py "http://127.0.0.1:$port" "$account_id" "$token" "$config"
export SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"
fuzz() {
  # The token's own reset would sign the run out half-way: that operation is left to the suite.
  "$venv/bin/st" --no-color --config-file "$config" run "http://127.0.0.1:$port/api/openapi.json" \
    -H "api_access_token: $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --exclude-path-regex 'access_token' \
    -n "$examples" -w 2 --seed "$seed" "$@"
}
fuzz --exclude-method DELETE
fuzz --include-method DELETE
if grep -q 'panicked' "$log"; then
  grep 'panicked' "$log" >&2
  echo "schemathesis: the server panicked (see $log)" >&2
  exit 1
fi
