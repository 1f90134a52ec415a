#!/usr/bin/env bash
# A throwaway MariaDB server for simrun's live mode and its tests: no system service, a data
# directory of its own, a Unix socket inside it, no TCP port.
#
#   scripts/mariadb.sh start    install the packages if missing, start, print the URL
#   scripts/mariadb.sh status   print the URL if running (exit 1 if not)
#   scripts/mariadb.sh stop     stop the server and delete its data directory
#
# The data directory is $SIMRUN_MARIADB_DIR (default: /tmp/simrun-mariadb-$UID). Works as root
# (the server runs as root, --user=root) and as a normal user (as that user). Installing the
# packages (Debian's mariadb-server and libmariadb-dev) needs root or sudo.
set -euo pipefail

dir="${SIMRUN_MARIADB_DIR:-/tmp/simrun-mariadb-$(id -u)}"
socket="$dir/sock"
user="$(id -un)"
url="mariadb://root@localhost/simrun?socket=$socket"

find_tool() {
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
        for prefix in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
            if [ -x "$prefix/$name" ]; then echo "$prefix/$name"; return 0; fi
        done
    done
    return 1
}

install_packages() {
    local missing=()
    find_tool mariadbd mysqld >/dev/null || missing+=(mariadb-server)
    find_tool mariadb mysql >/dev/null || missing+=(mariadb-client)
    ldconfig -p 2>/dev/null | grep -q 'libmariadb\.so\.3' || missing+=(libmariadb-dev)
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "mariadb.sh: installing ${missing[*]}" >&2
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "mariadb.sh: need root or sudo to install ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    # No service is started: policy-rc.d refuses it while the packages install.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -q --no-install-recommends \
        "${missing[@]}" >&2 || {
        "${sudo[@]}" apt-get update -q >&2
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -q --no-install-recommends \
            "${missing[@]}" >&2
    }
}

client() { "$(find_tool mariadb mysql)" --no-defaults --socket="$socket" -uroot "$@"; }

running() { [ -S "$socket" ] && client -e 'SELECT 1' >/dev/null 2>&1; }

case "${1:-}" in
start)
    if running; then echo "$url"; exit 0; fi
    install_packages
    mkdir -p "$dir"
    if [ ! -d "$dir/data/mysql" ]; then
        "$(find_tool mariadb-install-db mysql_install_db)" --no-defaults --user="$user" --datadir="$dir/data" \
            --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1 || {
            echo "mariadb.sh: mariadb-install-db failed, see $dir/install.log" >&2; exit 1; }
    fi
    "$(find_tool mariadbd mysqld)" --no-defaults --user="$user" --datadir="$dir/data" --socket="$socket" \
        --skip-networking --pid-file="$dir/pid" --log-error="$dir/error.log" \
        --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --max-connections=500 \
        >/dev/null 2>&1 &
    for _ in $(seq 1 100); do
        if running; then
            client -e "CREATE DATABASE IF NOT EXISTS simrun" >/dev/null
            echo "$url"
            exit 0
        fi
        sleep 0.2
    done
    echo "mariadb.sh: the server did not start, see $dir/error.log" >&2
    exit 1
    ;;
status)
    if running; then echo "$url"; exit 0; fi
    echo "mariadb.sh: not running" >&2
    exit 1
    ;;
stop)
    if [ -f "$dir/pid" ]; then
        pid="$(cat "$dir/pid")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$dir"
    echo "mariadb.sh: stopped" >&2
    ;;
*)
    echo "usage: scripts/mariadb.sh start|stop|status" >&2
    exit 64
    ;;
esac
