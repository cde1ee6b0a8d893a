#!/bin/sh
# Installs the system packages erp.base needs when they are missing: a PostgreSQL 15+ server
# and client, pgTAP, plpgsql_check, pg_prove and Python's venv module. Uses apt-get, with sudo
# when not root; when it cannot install, it says which packages to install and exits 1.
set -eu
PYTHON=${PYTHON:-python3}

# the newest installed server of version 15 or later, else 15 (what Debian 12 ships)
PGV=15
for bin in /usr/lib/postgresql/*/bin/postgres; do
    [ -x "$bin" ] || continue
    v=$(basename "$(dirname "$(dirname "$bin")")")
    case $v in *[!0-9]*) continue ;; esac
    [ "$v" -ge "$PGV" ] && PGV=$v
done

missing=""
[ -x "/usr/lib/postgresql/$PGV/bin/postgres" ] || missing="$missing postgresql-$PGV"
[ -x "/usr/lib/postgresql/$PGV/bin/psql" ] || missing="$missing postgresql-client-$PGV"
[ -f "/usr/share/postgresql/$PGV/extension/pgtap.control" ] \
    || missing="$missing postgresql-$PGV-pgtap"
[ -f "/usr/share/postgresql/$PGV/extension/plpgsql_check.control" ] \
    || missing="$missing postgresql-$PGV-plpgsql-check"
command -v pg_prove >/dev/null 2>&1 || missing="$missing libtap-parser-sourcehandler-pgtap-perl"
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || missing="$missing python3-venv"
[ -z "$missing" ] && exit 0

cannot() {
    echo "setup: cannot install the system packages erp.base needs:$missing" >&2
    echo "setup: $1" >&2
    echo "setup: ask an administrator to run:  apt-get install -y$missing" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 \
    || cannot "no apt-get on this machine; install the equivalent packages with your package manager"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
    SUDO="sudo"  # interactive: sudo asks for the password
else
    cannot "not root, and no sudo that works without a password"
fi

echo "setup: installing system packages:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || cannot "apt-get update failed"
# shellcheck disable=SC2086  # word splitting of the package list is intended
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || cannot "apt-get install failed"
echo "setup: installed$missing"
