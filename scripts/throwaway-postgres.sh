#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and the HA drill: initdb in a temporary
# directory, owned by an unprivileged user (the Debian package's `postgres` when run as
# root), listening on a free loopback port and a socket in that directory. Nothing of the
# machine's own PostgreSQL is touched.
#
#   throwaway-postgres.sh start            prints "DIR PORT" (the superuser is `postgres`,
#                                          trusted on the socket in DIR; TCP needs a password)
#   throwaway-postgres.sh stop DIR         stops the server and removes DIR
#   throwaway-postgres.sh halt DIR         stops the server, keeps DIR (to start it again)
#   throwaway-postgres.sh resume DIR PORT  starts a halted server again on PORT
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ]; then
    echo "throwaway-postgres: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)" >&2
    exit 2
fi

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

server_start() {
    local dir=$1 port=$2
    (
        # The server outlives this script: it must not inherit descriptors of whoever ran it
        # (a parent waiting for a pipe, or for a process-exit socket, would wait forever).
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ] && [ "$fd" != 255 ]; then eval "exec $fd>&-"; fi
        done
        as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c max_connections=200" \
            start </dev/null >/dev/null 2>&1
    )
}

case "${1:-}" in
start)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/syncwindow-pg-XXXXXX")
    chmod 0755 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 --no-instructions >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    server_start "$dir" "$port"
    echo "$dir $port"
    ;;
stop)
    as_owner "$bindir/pg_ctl" -D "$2/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$2"
    ;;
halt)
    as_owner "$bindir/pg_ctl" -D "$2/data" -m immediate stop >/dev/null
    ;;
resume)
    server_start "$2" "$3"
    ;;
*)
    echo "usage: $0 start | stop DIR | halt DIR | resume DIR PORT" >&2
    exit 2
    ;;
esac
