"""What a DBA meets with the bundle: it is built by `make bundle` with the system python3 alone
(no `make setup`, no virtualenv, no psycopg or rich), byte for byte the file the harness
writes; and applying it prints what the DBA must read and nothing else."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from erp_ops import __version__, migrate
from harness import cluster

ROOT = migrate.ROOT
PSQL = cluster.pg_bindir() / "psql"
NOTICE = re.compile(r"^psql:[^:]+:\d+: NOTICE:  (.*)$")


def clean_env(**extra: str) -> dict[str, str]:
    """No virtualenv, no PYTHONPATH, no user site: what a DBA's shell has."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": "/nonexistent"}
    env.update(extra)
    return env


def system_python() -> str:
    """The interpreter the virtualenv was made from (its base), not the venv's."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}"
    return str(base if base.exists() else sys.executable)


# ---- built with the standard library alone ----------------------------------------------------
def test_the_standard_library_cannot_import_psycopg_or_rich():
    """The isolation below is real: `python3 -I -S` sees neither the venv nor site-packages."""
    for module in ("psycopg", "rich"):
        probe = subprocess.run([system_python(), "-I", "-S", "-c", f"import {module}"],
                               capture_output=True, text=True, env=clean_env(), timeout=60)
        assert probe.returncode == 1 and "ModuleNotFoundError" in probe.stderr, module


def wrote(base_bundle: Path) -> str:
    """What a build prints: base's bundle, then one bundle per other module under sql/."""
    modules = sorted(p.parent.name for p in migrate.SQL_ROOT.glob("*/module.json")
                     if p.parent.name != "base")
    return "".join(f"wrote {path}\n" for path in
                   [base_bundle] + [base_bundle.parent / f"erp-{name}.sql" for name in modules])


def test_stdlib_only_build_equals_the_harness_build_byte_for_byte(tmp_path):
    stdlib_out, harness_out = tmp_path / "stdlib" / "erp.sql", tmp_path / "harness" / "erp.sql"
    built = subprocess.run(
        [system_python(), "-I", "-S", str(ROOT / "scripts" / "build_bundle.py"), "--output",
         str(stdlib_out)], capture_output=True, text=True, env=clean_env(), timeout=120,
        cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert built.stdout == wrote(stdlib_out) and built.stderr == ""
    cli = subprocess.run([sys.executable, "-m", "harness", "bundle", "--output",
                          str(harness_out)], capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert cli.returncode == 0, cli.stderr
    assert stdlib_out.read_bytes() == harness_out.read_bytes() == migrate.bundle().encode()
    assert not list(stdlib_out.parent.glob("*.partial"))


def test_make_bundle_needs_no_setup(tmp_path):
    """`make bundle` runs the system python3, never the virtualenv (its PATH has no .venv)."""
    out = tmp_path / "erp.sql"
    dry = subprocess.run(["make", "-n", "-C", str(ROOT), "bundle", f"BUNDLE={out}"],
                         capture_output=True, text=True, env=clean_env(), timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert ".venv" not in dry.stdout and "setup" not in dry.stdout
    made = subprocess.run(["make", "-s", "-C", str(ROOT), "bundle", f"BUNDLE={out}"],
                          capture_output=True, text=True, env=clean_env(), timeout=120)
    assert made.returncode == 0, made.stderr
    assert made.stdout == wrote(out)
    assert out.read_text() == migrate.bundle()


def test_an_unwritable_output_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    built = subprocess.run(
        [system_python(), "-I", "-S", str(ROOT / "scripts" / "build_bundle.py"), "--output",
         str(blocker / "erp.sql")], capture_output=True, text=True, env=clean_env(), timeout=60)
    assert built.returncode == 1
    assert built.stderr.startswith("error: ") and len(built.stderr.splitlines()) == 1


# ---- what an install prints ---------------------------------------------------------------------
@pytest.fixture
def bundle_file(tmp_path: Path) -> Path:
    out = tmp_path / "erp.sql"
    out.write_text(migrate.bundle())
    return out


def apply(url: str, path: Path) -> tuple[str, list[str]]:
    """`psql -v ON_ERROR_STOP=1 -1 -f erp.sql` as the README writes it: stdout, and the
    NOTICE texts on stderr (any other stderr line fails)."""
    # the suite's PGOPTIONS stays: other erp.base databases share this test cluster's roles
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") or k == "PGOPTIONS"}
    env.pop("PSQLRC", None)
    done = subprocess.run([str(PSQL), "-v", "ON_ERROR_STOP=1", "-1", "-f", str(path), url],
                          capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    notices = []
    for line in done.stderr.splitlines():
        m = NOTICE.match(line)
        assert m, f"not a NOTICE: {line!r}"
        notices.append(m.group(1))
    return done.stdout, notices


def test_a_fresh_install_prints_a_few_meaningful_lines_and_a_reapply_one(empty_db, bundle_file):
    stdout, notices = apply(empty_db, bundle_file)
    assert stdout == ""  # no SET, COMMENT, GRANT, CREATE … tags
    applied = ", ".join(m.filename for m in migrate.schema_migrations())
    assert f"erp.base {__version__}: applied {applied}" in notices
    partitions = [n for n in notices if n.startswith(f"erp.base {__version__}: audit partitions: ")]
    assert len(partitions) == 1
    assert re.fullmatch(r"erp\.base \S+: audit partitions: (created erp\.erp_audit_events_p\d{4}_"
                        r"\d{2}(, |$))+", partitions[0]), partitions[0]
    assert sum("publication erp_audit" in n for n in notices) == 1
    assert len(notices) <= 4, notices  # (the fourth would be the pg_read_all_stats one)

    stdout, notices = apply(empty_db, bundle_file)
    assert stdout == ""
    assert notices == [f"erp.base {__version__}: the database is already current; "
                       "no migration applied"]


def test_an_upgrade_from_the_previous_release_prints_what_it_changed(empty_db, bundle_file):
    previous = sorted(ROOT.glob("releases/v*/erp.sql"),
                      key=lambda p: tuple(int(x) for x in p.parent.name[1:].split(".")))
    previous = [p for p in previous if p.parent.name != f"v{__version__}"][-1]
    apply(empty_db, previous)
    stdout, notices = apply(empty_db, bundle_file)
    assert stdout == ""
    assert all(n.startswith("erp.base") for n in notices), notices
    assert len(notices) <= 6, notices
