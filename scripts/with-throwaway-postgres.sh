#!/usr/bin/env bash
# Runs a command with SYNCWINDOW_TEST_POSTGRES naming a PostgreSQL server for the tests:
# the one already named in the environment, else a throwaway cluster started here and
# removed when the command ends (scripts/throwaway-postgres.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${SYNCWINDOW_TEST_POSTGRES:-}" ]; then
    exec "$@"
fi
read -r dir port < <("$here/throwaway-postgres.sh" start)
trap '"$here/throwaway-postgres.sh" stop "$dir"' EXIT
export SYNCWINDOW_TEST_POSTGRES="$dir:$port"
echo "with-throwaway-postgres: PostgreSQL on 127.0.0.1:$port (socket in $dir)" >&2
"$@"
