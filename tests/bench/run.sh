#!/bin/bash
# tests/bench/run.sh - measure sandgate beside uWSGI, gunicorn, mod_wsgi and CGI
# (and sandgate-cgi beside Apache mod_cgid and fcgiwrap).
#
#   tests/bench/run.sh             full run (about 20 minutes): every target,
#                                  hello/flask/echo, 1 and 32 connections, 3 rounds,
#                                  then cold start, memory, netns and strace extras
#   tests/bench/run.sh --quick     hello at 32 connections, sandgate and uWSGI (< 1 min)
#   tests/bench/run.sh --help      every option (targets, apps, durations, ...)
#
# Run as root from anywhere. Installs the Debian packages it needs when they
# are missing, then hands over to bench.py (Debian's /usr/bin/python3).
# Results go to bench-results/ (Markdown and TSV). See docs/performance.md.
set -eu
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3

PKGS="nginx apache2 libapache2-mod-wsgi-py3 uwsgi uwsgi-plugin-python3 gunicorn
python3-flask fcgiwrap wrk strace util-linux procps"

needs_tools=1
for a in "$@"; do
    case $a in
        -h|--help|-l|--list|--cleanup|--cleanup=*) needs_tools=0 ;;
    esac
done

if [ "$needs_tools" = 1 ]; then
    missing=""
    for p in $PKGS; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "bench: missing Debian packages:$missing" >&2
            echo "bench: as root: apt-get update && apt-get install -y --no-install-recommends$missing" >&2
            exit 1
        fi
        echo "bench: installing$missing" >&2
        export DEBIAN_FRONTEND=noninteractive
        timeout 600 apt-get update -q
        # shellcheck disable=SC2086
        timeout 1200 apt-get install -y -q --no-install-recommends $missing
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "bench: run as root: servers are started as www-data with setpriv, and sandgate" >&2
        echo "bench: runs in system mode (root gateway, apps as nobody)" >&2
        exit 1
    fi
fi

export PYTHONDONTWRITEBYTECODE=1
exec "$PY" "$HERE/bench.py" "$@"
