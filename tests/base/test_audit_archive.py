"""Archive, import, purge and seal of old audit months through ``python -m harness audit``.

The trail of every test: tenants A and B, events of March 2015 (inserted directly as the
superuser, the way a restore or an import of old data writes them: they land in the default
partition and ``erp.audit_maintain()`` moves them into a new partition), among them a partner
of A created in 2015 and renamed today through the public writer (so ``audit_verify`` has to
start that partner at its first retained event once March 2015 is purged), one event of April
2015 (another partition, which must stay out of March's archive and survive its purge), and
events of today written through the public functions."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from psycopg.types.json import Jsonb

import erp_ops
from erp_ops import archive, audit_cmd, migrate
from harness import cli, testing
from tests.conftest import new_tenant

UTC = dt.timezone.utc
MONTH = dt.date(2015, 3, 1)
PARTITION = "erp.erp_audit_events_p2015_03"


# ---- helpers --------------------------------------------------------------------------------
def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=migrate.ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def audit(dsn: str, *args: str) -> subprocess.CompletedProcess:
    return run_cli("--database-url", dsn, "audit", *args)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def insert_old(conn: psycopg.Connection, tenant: uuid.UUID, at: dt.datetime, *,
               entity_type: str = "erp.base.legacy_note", event_type: str | None = None,
               entity_id: uuid.UUID | None = None, version: int | None = None,
               payload: dict | None = None) -> uuid.UUID:
    """One event at ``at``, inserted directly (superuser): db_user and xact_id by default."""
    return conn.execute(
        "INSERT INTO erp.erp_audit_events (tenant_id, id, actor_type, entity_type, entity_id,"
        " event_type, entity_version, payload, created_at, trace_id)"
        " VALUES (%s, erp._uuid_v7_at(%s), 'SYSTEM', %s, %s, %s, %s, %s, %s, 'legacy import')"
        " RETURNING id",
        (tenant, at, entity_type, entity_id or uuid.uuid4(), event_type or entity_type + ".noted",
         version, Jsonb(payload or {"at": at.isoformat()}), at),
    ).fetchone()[0]


def legacy_partner(conn: psycopg.Connection, tenant: uuid.UUID, at: dt.datetime) -> uuid.UUID:
    """A partner created at ``at`` with its `created` event (snapshot as the writers make it)."""
    pid = uuid.uuid4()
    conn.execute("INSERT INTO erp.erp_partners (tenant_id, id, code, name, created_at, updated_at)"
                 " VALUES (%s, %s, 'OLD-1', 'Old partner', %s, %s)", (tenant, pid, at, at))
    snapshot_sql = conn.execute(
        "SELECT erp_meta._snapshot_sql('erp.erp_partners', 'cur')").fetchone()[0]
    payload = conn.execute(f"SELECT {snapshot_sql} FROM erp.erp_partners AS cur"  # noqa: S608
                           " WHERE cur.tenant_id = %s AND cur.id = %s", (tenant, pid)).fetchone()[0]
    insert_old(conn, tenant, at, entity_type="erp.base.partner",
               event_type="erp.base.partner.created", entity_id=pid, version=1, payload=payload)
    return pid


def digest(conn: psycopg.Connection, month: dt.date = MONTH) -> tuple[int, str]:
    return tuple(conn.execute("SELECT d.events, d.sha256 FROM erp.audit_month_digest(%s) AS d",
                              (month,)).fetchone())


def month_events(conn: psycopg.Connection, tenant: uuid.UUID, month: dt.date = MONTH) -> int:
    return conn.execute(
        "SELECT count(*) FROM erp.erp_audit_events WHERE tenant_id = %s"
        " AND id >= erp._audit_bound(%s) AND id < erp._audit_bound((%s::date + 31))",
        (tenant, month, month)).fetchone()[0]


def exists(conn: psycopg.Connection, relation: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (relation,)).fetchone()[0]


@dataclass
class Trail:
    a: uuid.UUID
    b: uuid.UUID
    partner: uuid.UUID
    march: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)


@pytest.fixture
def trail(conn: psycopg.Connection) -> Trail:
    a, b = new_tenant(conn, "Alpha"), new_tenant(conn, "Beta")
    t = Trail(a, b, legacy_partner(conn, a, dt.datetime(2015, 3, 2, 9, 30, tzinfo=UTC)))
    for tenant, n in ((a, 3), (b, 4)):
        t.march[tenant] = [insert_old(conn, tenant, dt.datetime(2015, 3, 1 + 7 * k, 8, k, k,
                                                                  123456, tzinfo=UTC))
                           for k in range(n)]
    insert_old(conn, a, dt.datetime(2015, 4, 3, tzinfo=UTC))  # another month, another partition
    assert conn.execute("SELECT count(*) FROM erp.erp_audit_events_default").fetchone()[0] == 9
    actions = conn.execute("SELECT m.action FROM erp.audit_maintain() AS m").fetchall()
    assert ("created",) in actions and any(r[0].startswith("drained") for r in actions)
    # today, through the public functions
    conn.execute("SELECT erp.uom_category_create(%s, NULL, 'SYSTEM', 'today', 'W', 'Weight')",
                 (b,))
    conn.execute("SELECT erp.partner_update(%s, NULL, 'SYSTEM', 'today', %s, %s)",
                 (a, t.partner, Jsonb({"name": "Renamed partner"})))
    return t


@pytest.fixture
def scratch(server: testing.Server):
    """An empty database on the same server, migrated: where archives are restored."""
    name = testing.unique_name("erp_scratch")
    janitor = server.janitor(name)
    janitor.init()
    try:
        url = server.url_for(name)
        migrate.migrate(url, log=lambda *_: None)
        yield url
    finally:
        janitor.drop()


# ---- the file format, without a database ------------------------------------------------------
def test_file_format_digest_and_atomic_write(tmp_path):
    lines = ['{"id": "a", "n": 1}', '{"id": "b", "text": "ümlaut \\n escaped"}', "{}"]
    header = archive.make_header(MONTH, "9.9", "somedb")
    path, manifest_path, manifest = archive.write_archive(tmp_path, MONTH, header, iter(lines))
    assert path.name == "erp-audit-2015-03.jsonl.gz"
    assert manifest_path.name == "erp-audit-2015-03.manifest.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, manifest_path.name])
    h = "0" * 64  # the DESIGN formula, written out independently
    for line in lines:
        h = hashlib.sha256((h + hashlib.sha256(line.encode()).hexdigest()).encode()).hexdigest()
    assert (manifest.events, manifest.sha256) == (3, h)
    assert manifest.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    content = gzip.decompress(path.read_bytes()).decode().split("\n")
    assert json.loads(content[0]) == header and content[1:] == [*lines, ""]
    assert header["format"] == "erp.base audit archive" and header["format_version"] == 1
    assert header["month"] == "2015-03" and header["created_at"].endswith("Z")
    check = archive.verify_archive(path)
    assert (check.events, check.sha256, check.manifest) == (3, h, manifest)
    assert archive.digest_lines([]) == (0, "0" * 64)

    def crashing():
        yield lines[0]
        raise RuntimeError("export connection lost")

    other = tmp_path / "crash"
    with pytest.raises(RuntimeError):
        archive.write_archive(other, MONTH, header, crashing())
    assert list(other.iterdir()) == []  # no file that looks complete, no temp file either


def test_damaged_files_are_refused(tmp_path):
    header = archive.make_header(MONTH, "9.9", "db")
    path, manifest_path, _ = archive.write_archive(tmp_path, MONTH, header,
                                                   [f'{{"n": {i}}}' for i in range(50)])
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of the compressed stream
    path.write_bytes(bytes(data))
    with pytest.raises(archive.ArchiveError, match="damaged|does not match"):
        archive.verify_archive(path)
    with pytest.raises(archive.ArchiveError, match="damaged"):
        archive.read_archive(path)  # no manifest involved: gzip's CRC catches it
    bad = tmp_path / "other.jsonl.gz"
    bad.write_bytes(gzip.compress(b'{"format": "something else"}\n'))
    with pytest.raises(archive.ArchiveError, match="not an erp.base audit archive"):
        archive.read_archive(bad)
    newer = tmp_path / "newer.jsonl.gz"
    newer.write_bytes(gzip.compress(json.dumps({**header, "format_version": 2}).encode() + b"\n"))
    with pytest.raises(archive.ArchiveError, match="version 2"):
        archive.read_archive(newer)
    assert [audit_cmd.human_bytes(n) for n in (0, 1023, 1536, 5 << 20)] == \
        ["0 B", "1023 B", "1.5 KiB", "5.0 MiB"]
    for text in ("2015-13", "15-03", "2015-3", "1969-12", ""):
        with pytest.raises(ValueError):
            archive.parse_month(text)


# ---- archive, record, import ----------------------------------------------------------------
def test_archive_round_trip_and_import_into_scratch(conn, dsn, trail, scratch, tmp_path):
    expected = digest(conn)
    assert expected[0] == 8  # 3 + 4 notes and the partner's created event
    result = audit(dsn, "archive", "--month", "2015-03", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "archived 2015-03: 8 event(s)" in result.stdout and expected[1] in result.stdout

    out = (tmp_path / "out").resolve()
    gz, mf = out / "erp-audit-2015-03.jsonl.gz", out / "erp-audit-2015-03.manifest.json"
    assert sorted(out.iterdir()) == sorted([gz, mf])  # no temp file left
    manifest = json.loads(mf.read_text())
    assert (manifest["events"], manifest["sha256"]) == expected
    assert manifest["file"] == gz.name and manifest["month"] == "2015-03"
    assert manifest["file_sha256"] == hashlib.sha256(gz.read_bytes()).hexdigest()
    database = conn.execute("SELECT current_database()").fetchone()[0]
    header = manifest["header"]
    assert header == {**header, "format": "erp.base audit archive", "format_version": 1,
                      "month": "2015-03", "erp_version": erp_ops.__version__,
                      "database": database}
    created = dt.datetime.fromisoformat(header["created_at"].replace("Z", "+00:00"))
    assert abs(dt.datetime.now(UTC) - created) < dt.timedelta(minutes=5)
    lines = gzip.decompress(gz.read_bytes()).decode().splitlines()
    assert json.loads(lines[0]) == header
    exported = [r[0] for r in conn.execute("SELECT erp.audit_month_export(%s)", (MONTH,))]
    assert lines[1:] == exported and len(exported) == 8
    ids = [uuid.UUID(json.loads(x)["id"]) for x in exported]
    assert ids == sorted(ids)  # id order, the digest's
    assert set(ids) >= {i for ids_ in trail.march.values() for i in ids_}
    assert {json.loads(x)["created_at"][:7] for x in exported} == {"2015-03"}

    archives = conn.execute("SELECT month, events, sha256, location, actor_type, trace_id"
                            " FROM erp_meta.audit_archives").fetchall()
    assert archives == [(MONTH, 8, expected[1], str(gz), "SYSTEM", "harness audit archive 2015-03")]
    archived = dict(conn.execute(
        "SELECT tenant_id, payload FROM erp.erp_audit_events"
        " WHERE event_type = 'erp.base.audit.archived'").fetchall())
    assert set(archived) == {trail.a, trail.b}
    assert archived[trail.a]["events"] == 4 and archived[trail.b]["events"] == 4
    assert archived[trail.a]["sha256"] == expected[1]
    assert archived[trail.a]["location"] == str(gz) and archived[trail.a]["month"] == "2015-03"

    # restore into an empty database: the same digest, ids, transaction ids and writers
    with psycopg.connect(scratch, autocommit=True) as s:
        assert digest(s) == (0, "0" * 64)
    result = audit(scratch, "import", "--file", str(gz), "--against", dsn)
    assert result.returncode == 0, result.stderr
    assert ("0 of its 8 event(s) are sealed: checked against the recorded digest only"
            in result.stderr)
    assert "imported 8 event(s) of 2015-03" in result.stdout
    assert "the digest equals the archive's" in result.stdout
    with psycopg.connect(scratch, autocommit=True) as s:
        assert digest(s) == expected
        assert exists(s, PARTITION)
        assert s.execute("SELECT count(*) FROM erp.erp_audit_events_default").fetchone()[0] == 0
        assert [r[0] for r in s.execute("SELECT erp.audit_month_export(%s)", (MONTH,))] == exported
    # a second import of the same file cannot duplicate events (sealed now: no warning)
    conn.execute("SELECT * FROM erp.audit_seal()")
    again = audit(scratch, "import", "--file", str(gz), "--against", dsn)
    assert "[23505]" in one_line_error(again)


def test_corrupted_archive_is_detected_and_not_imported(conn, dsn, trail, scratch, tmp_path):
    result = audit(dsn, "archive", "--month", "2015-03", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    gz = tmp_path / "erp-audit-2015-03.jsonl.gz"
    manifest = archive.Manifest.load(tmp_path / "erp-audit-2015-03.manifest.json")

    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    lines = gzip.decompress(gz.read_bytes()).split(b"\n")
    pos = lines[3].index(b'"legacy import"') + 1
    lines[3] = lines[3][:pos] + b"L" + lines[3][pos + 1:]  # one byte of one event line
    bad = bad_dir / gz.name
    bad.write_bytes(gzip.compress(b"\n".join(lines)))
    shutil.copy(tmp_path / "erp-audit-2015-03.manifest.json", bad_dir)

    with pytest.raises(archive.ArchiveError) as info:
        archive.verify_archive(bad)
    assert "digest" in str(info.value) and "file sha256" in str(info.value)
    # even with the file checksum forged to match, the digest of the lines gives it away
    forged = {**manifest.as_dict(), "file_sha256": hashlib.sha256(bad.read_bytes()).hexdigest()}
    (bad_dir / "erp-audit-2015-03.manifest.json").write_text(json.dumps(forged))
    with pytest.raises(archive.ArchiveError) as info:
        archive.verify_archive(bad)
    assert "digest" in str(info.value) and "file sha256" not in str(info.value)

    error = one_line_error(audit(scratch, "import", "--file", str(bad), "--against", dsn))
    assert "does not match its manifest" in error and "nothing imported" in error
    with psycopg.connect(scratch, autocommit=True) as s:
        assert digest(s) == (0, "0" * 64)
        assert s.execute("SELECT count(*) FROM erp.erp_audit_events").fetchone()[0] == 0

    # the manifest recomputed for the changed file: it matches its manifest, but neither the
    # digest recorded at archive time nor the seal moves with it
    conn.execute("SELECT * FROM erp.audit_seal()")
    events, sha = archive.read_archive(bad).events, archive.read_archive(bad).sha256
    recomputed = {**manifest.as_dict(), "sha256": sha, "events": events,
                  "file_sha256": hashlib.sha256(bad.read_bytes()).hexdigest()}
    (bad_dir / "erp-audit-2015-03.manifest.json").write_text(json.dumps(recomputed))
    archive.verify_archive(bad)  # consistent with itself
    error = one_line_error(audit(scratch, "import", "--file", str(bad), "--against", dsn))
    assert "not the archive recorded and sealed" in error and "digest_mismatch" in error
    assert "seal_mismatch" in error and "nothing imported" in error
    with psycopg.connect(scratch, autocommit=True) as s:
        assert s.execute("SELECT count(*) FROM erp.erp_audit_events").fetchone()[0] == 0
    # a scratch database has no record of the month: checked against itself, it is refused
    error = one_line_error(audit(scratch, "import", "--file", str(gz)))
    assert "not_archived" in error and "nothing imported" in error
    # the genuine file, sealed now: checked against the record and the seal, no warning
    result = audit(scratch, "import", "--file", str(gz), "--against", dsn)
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr


def test_archive_record_refuses_a_wrong_digest(conn, trail):
    events, sha = digest(conn)
    wrong = hashlib.sha256(b"not the month").hexdigest()
    for args in ((events, wrong), (events + 1, sha), (events - 1, sha)):
        with pytest.raises(psycopg.Error) as info:
            conn.execute("SELECT erp.audit_archive_record(NULL, 'SYSTEM', 't', %s, %s, %s,"
                         " '/backup/x.jsonl.gz')", (MONTH, *args))
        assert info.value.sqlstate == "ZE009"
    assert conn.execute("SELECT count(*) FROM erp_meta.audit_archives").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM erp.erp_audit_events"
                        " WHERE event_type = 'erp.base.audit.archived'").fetchone()[0] == 0


def test_archive_that_reads_back_differently_records_nothing(dsn, conn, trail, tmp_path,
                                                             monkeypatch, capsys):
    real = archive.write_archive

    def write_then_rot(*args, **kwargs):  # the disk returns other bytes than were written
        path, manifest_path, manifest = real(*args, **kwargs)
        data = bytearray(path.read_bytes())
        data[-12] ^= 0xFF
        path.write_bytes(bytes(data))
        return path, manifest_path, manifest

    monkeypatch.setattr(archive, "write_archive", write_then_rot)
    code = cli.main(["--database-url", dsn, "audit", "archive", "--month", "2015-03",
                     "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1].startswith("error: ") and "nothing recorded" in err[-1]
    assert conn.execute("SELECT count(*) FROM erp_meta.audit_archives").fetchone()[0] == 0
    # the manifest is gone: what is left does not look like a finished archive
    assert not (tmp_path / "erp-audit-2015-03.manifest.json").exists()


# ---- purge -------------------------------------------------------------------------------------
def test_purge_after_archive_and_seal(conn, dsn, trail, tmp_path):
    assert audit(dsn, "archive", "--month", "2015-03", "--out", str(tmp_path)).returncode == 0
    archived = digest(conn)
    conn.execute("UPDATE erp_meta.audit_settings SET retention_months = 1")

    error = one_line_error(audit(dsn, "purge", "--month", "2015-03"))
    assert "[ZE009]" in error and "not sealed" in error
    assert exists(conn, PARTITION)

    conn.execute("SELECT * FROM erp.audit_seal()")
    for tenant in (trail.a, trail.b):  # sound before: the 2015 partner's chain is whole
        assert conn.execute("SELECT * FROM erp.audit_verify(%s)", (tenant,)).fetchall() == []
    result = audit(dsn, "purge", "--month", "2015-03")
    assert result.returncode == 0, result.stderr
    assert f"purged 2015-03: dropped {PARTITION} (8 event(s))" in result.stdout

    assert not exists(conn, PARTITION)
    assert exists(conn, "erp.erp_audit_events_p2015_04")
    assert digest(conn) == (0, "0" * 64)
    assert month_events(conn, trail.a, dt.date(2015, 4, 1)) == 1
    purged = dict(conn.execute(
        "SELECT tenant_id, payload FROM erp.erp_audit_events"
        " WHERE event_type = 'erp.base.audit.purged'").fetchall())
    assert set(purged) == {trail.a, trail.b}
    assert (purged[trail.a]["events"], purged[trail.b]["events"]) == (4, 4)
    assert purged[trail.a]["months"] == ["2015-03"]
    assert purged[trail.a]["archives"][0]["sha256"] == archived[1]
    assert purged[trail.b]["first_id"] == str(min(trail.march[trail.b]))
    assert conn.execute("SELECT month, events, sha256, partition_name FROM erp_meta.audit_purges"
                        ).fetchall() == [(MONTH, 8, archived[1], PARTITION)]
    for tenant in (trail.a, trail.b):
        assert conn.execute("SELECT * FROM erp.audit_verify(%s)", (tenant,)).fetchall() == []
        assert conn.execute("SELECT * FROM erp.audit_seal_verify(%s)", (tenant,)).fetchall() == []
    # the partner lost its `created` event with the month; it still replays from version 2
    assert conn.execute("SELECT array_agg(entity_version) FROM erp.erp_audit_events"
                        " WHERE entity_id = %s", (trail.partner,)).fetchone()[0] == [2]
    # the purge events seal like any other, and the chain still verifies across the gap
    conn.execute("SELECT * FROM erp.audit_seal()")
    assert conn.execute("SELECT * FROM erp.audit_seal_verify(%s)", (trail.a,)).fetchall() == []

    again = one_line_error(audit(dsn, "purge", "--month", "2015-03"))
    assert "[ZE009]" in again and "no partition holds 2015-03" in again


# ---- seal, seal-verify ---------------------------------------------------------------------------
def test_seal_and_seal_verify(conn, dsn, trail):
    result = audit(dsn, "seal")
    assert result.returncode == 0, result.stderr
    total = conn.execute("SELECT count(*) FROM erp.erp_audit_events").fetchone()[0]
    assert f"{total} event(s) sealed" in result.stdout and "across 2 tenant(s)" in result.stdout
    heads = dict(conn.execute("SELECT tenant_id, events FROM erp.erp_audit_seal_heads").fetchall())
    counts = dict(conn.execute("SELECT tenant_id, count(*) FROM erp.erp_audit_events"
                               " GROUP BY tenant_id").fetchall())
    assert heads == counts
    head_hash = conn.execute("SELECT hash FROM erp.erp_audit_seal_heads WHERE tenant_id = %s",
                             (trail.a,)).fetchone()[0]
    assert head_hash[:16] in result.stdout

    again = audit(dsn, "seal", "--tenant", str(trail.a))
    assert again.returncode == 0 and "0 event(s) sealed in 0 block(s) across 1 tenant(s)" \
        in again.stdout

    clean = audit(dsn, "seal-verify", "--tenant", str(trail.a))
    assert clean.returncode == 0, clean.stderr
    assert "no problems" in clean.stdout and head_hash in clean.stdout

    # what only the owner or a superuser could do, with the triggers off
    victim = trail.march[trail.a][1]
    with conn.transaction():
        conn.execute(f"ALTER TABLE {PARTITION} DISABLE TRIGGER erp_audit_events_no_update_delete")
        conn.execute(f"UPDATE {PARTITION} SET payload = '{{\"forged\": true}}' WHERE id = %s",
                     (victim,))
        conn.execute(f"ALTER TABLE {PARTITION} ENABLE ALWAYS TRIGGER "
                     "erp_audit_events_no_update_delete")
    tampered = audit(dsn, "seal-verify", "--tenant", str(trail.a))
    assert tampered.returncode == 1
    assert "changed_event" in tampered.stdout and str(victim) in tampered.stdout
    assert "1 problem(s)" in tampered.stdout
    assert audit(dsn, "seal-verify", "--tenant", str(trail.b)).returncode == 0


def test_seal_every_stops_cleanly_on_ctrl_c(dsn, conn, trail):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.Popen([sys.executable, "-m", "harness", "--database-url", dsn, "audit",
                             "seal", "--every", "0.2"], cwd=migrate.ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if "round 2:" in line:
                break
        assert "round 1:" in "".join(seen), seen
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    finally:
        watchdog.cancel()
    assert proc.returncode == 0, err
    assert "stopped after" in rest and "Traceback" not in err
    heads = dict(conn.execute("SELECT tenant_id, events FROM erp.erp_audit_seal_heads").fetchall())
    assert heads[trail.a] == conn.execute("SELECT count(*) FROM erp.erp_audit_events"
                                          " WHERE tenant_id = %s", (trail.a,)).fetchone()[0]


# ---- partitions, maintain, usage ----------------------------------------------------------
def test_partitions_and_maintain(conn, dsn, trail):
    result = audit(dsn, "partitions")
    assert result.returncode == 0, result.stderr
    rows = conn.execute("SELECT partition, events FROM erp.audit_partitions()").fetchall()
    assert f"{len(rows)} partition(s), {sum(r[1] for r in rows)} event(s)" in result.stdout
    for name, _ in rows:
        assert name.removeprefix("erp.") in result.stdout
    assert "2015-03" in result.stdout and "KiB" in result.stdout

    nothing = audit(dsn, "maintain")
    # quiet when there is nothing to do (cron mails whatever a job prints)
    assert (nothing.returncode, nothing.stdout, nothing.stderr) == (0, "", "")
    insert_old(conn, trail.b, dt.datetime(2013, 7, 4, tzinfo=UTC))
    work = audit(dsn, "maintain")
    assert work.returncode == 0, work.stderr
    assert "created    erp.erp_audit_events_p2013_07" in work.stdout
    assert "drained (1 events moved)" in work.stdout
    assert month_events(conn, trail.b, dt.date(2013, 7, 1)) == 1


def test_actions_run_with_the_roles_they_document(dsn, conn, trail, tmp_path):
    """erp_admin archives, seals and maintains without any table privilege; erp_auditor may
    list partitions and verify seals, and is refused the rest."""
    admin = make_conninfo(dsn, options="-c role=erp_admin")
    auditor = make_conninfo(dsn, options="-c role=erp_auditor")
    archived = audit(admin, "archive", "--month", "2015-03", "--out", str(tmp_path))
    assert archived.returncode == 0, archived.stderr
    assert conn.execute("SELECT count(*) FROM erp_meta.audit_archives").fetchone()[0] == 1
    for args in (("seal",), ("maintain",)):
        result = audit(admin, *args)
        assert result.returncode == 0, result.stderr
    listed = audit(auditor, "partitions")
    assert listed.returncode == 0 and "erp_audit_events_p2015_03" in listed.stdout
    verified = audit(auditor, "seal-verify", "--tenant", str(trail.b))
    assert verified.returncode == 0 and "no problems" in verified.stdout
    for args in (("purge", "--month", "2015-03"), ("maintain",),
                 ("archive", "--month", "2015-03", "--out", str(tmp_path / "x"))):
        assert "[42501]" in one_line_error(audit(auditor, *args))


@pytest.mark.parametrize("args, fragment", [
    (["archive", "--out", "x"], "needs --month"),
    (["archive", "--month", "2015-13", "--out", "x"], "is not a month"),
    (["archive", "--month", "2015-03"], "needs --out"),
    (["purge"], "needs --month"),
    (["seal-verify"], "needs --tenant"),
    (["seal-verify", "--tenant", "nope"], "is not a tenant id"),
    (["seal", "--tenant", "nope"], "is not a tenant id"),
    (["import"], "needs --file"),
    (["import", "--file", "/nonexistent/x.jsonl.gz"], "is not a file"),
])
def test_usage_errors_are_one_line(dsn, args, fragment, capsys):
    assert cli.main(["--database-url", dsn, "audit", *args]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and fragment in err[0]


def test_refusals_of_the_database_are_one_line(dsn, conn):
    unknown = one_line_error(audit(dsn, "seal-verify", "--tenant", str(uuid.uuid4())))
    assert "[ZE006]" in unknown
    current = dt.datetime.now(UTC).strftime("%Y-%m")
    refused = one_line_error(audit(dsn, "purge", "--month", current))
    assert "[ZE009]" in refused and "current month" in refused


# ---- refusals of archive and purge that protect the evidence -----------------------------------
def archive_count(conn: psycopg.Connection) -> tuple[int, int]:
    return conn.execute("SELECT (SELECT count(*) FROM erp_meta.audit_archives),"
                        " (SELECT count(*) FROM erp.erp_audit_events"
                        "  WHERE event_type = 'erp.base.audit.archived')").fetchone()


@pytest.mark.parametrize("which", ["current", "next", "unpartitioned"])
def test_archive_record_refuses_a_month_not_over_or_without_partition(conn, trail, which):
    today = dt.datetime.now(UTC).date().replace(day=1)
    month = {"current": today, "next": (today + dt.timedelta(days=32)).replace(day=1),
             "unpartitioned": dt.date(2014, 1, 1)}[which]
    events, sha = digest(conn, month)
    with pytest.raises(psycopg.Error) as info:
        conn.execute("SELECT erp.audit_archive_record(NULL, 'SYSTEM', 't', %s, %s, %s,"
                     " '/backup/x.jsonl.gz')", (month, events, sha))
    assert info.value.sqlstate == "ZE009"
    assert archive_count(conn) == (0, 0)


def test_purge_checks_after_the_lock_a_writer_that_commits_meanwhile(conn, dsn, trail, tmp_path):
    """A transaction that writes into the month before the purge and commits while the purge
    waits: the purge sees its event once it has the lock, and refuses (the month changed since
    its archive, and the event is not sealed)."""
    assert audit(dsn, "archive", "--month", "2015-03", "--out", str(tmp_path)).returncode == 0
    conn.execute("UPDATE erp_meta.audit_settings SET retention_months = 1")
    conn.execute("SELECT * FROM erp.audit_seal()")
    writer = psycopg.connect(dsn)
    late = insert_old(writer, trail.a, dt.datetime(2015, 3, 30, tzinfo=UTC))  # open, uncommitted
    outcome: dict = {}

    def purge() -> None:
        with psycopg.connect(dsn, autocommit=True) as c:
            try:
                outcome["rows"] = c.execute(
                    "SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 't', '2015-03-01')").fetchall()
            except psycopg.Error as exc:
                outcome["error"] = exc

    thread = threading.Thread(target=purge)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive()  # waiting for the writer's lock
    writer.commit()
    writer.close()
    thread.join(60)
    assert "rows" not in outcome
    # its event changed the archived month (and is not sealed): seen once the lock is held
    assert outcome["error"].sqlstate == "ZE009" and "9 now" in str(outcome["error"])
    assert exists(conn, PARTITION)
    assert conn.execute("SELECT count(*) FROM erp.erp_audit_events WHERE id = %s",
                        (late,)).fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM erp_meta.audit_purges").fetchone()[0] == 0


def test_purge_refuses_while_a_writer_keeps_its_transaction_open(conn, dsn, trail, tmp_path):
    assert audit(dsn, "archive", "--month", "2015-03", "--out", str(tmp_path)).returncode == 0
    conn.execute("UPDATE erp_meta.audit_settings SET retention_months = 1")
    conn.execute("SELECT * FROM erp.audit_seal()")
    with psycopg.connect(dsn) as writer:
        insert_old(writer, trail.a, dt.datetime(2015, 3, 30, tzinfo=UTC))
        with pytest.raises(psycopg.Error) as info:
            conn.execute("SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 't', '2015-03-01')")
        assert info.value.sqlstate == "ZE009" and "still writes" in str(info.value)
        writer.rollback()
    assert exists(conn, PARTITION)
    assert conn.execute("SELECT count(*) FROM erp_meta.audit_purges").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM erp.erp_audit_events"
                        " WHERE event_type = 'erp.base.audit.purged'").fetchone()[0] == 0


# ---- the witness: seal-head, seal-verify --expected-head, heads in the manifest ----------------
def test_seal_head_witness_file_and_manifest(conn, dsn, trail, tmp_path):
    assert audit(dsn, "seal").returncode == 0
    heads_file = tmp_path / "heads.json"
    result = audit(dsn, "seal-head", "--out", str(heads_file))
    assert result.returncode == 0, result.stderr
    doc = json.loads(heads_file.read_text())
    stored = {str(t): (b, h) for t, b, h in conn.execute(
        "SELECT tenant_id, block_no, hash FROM erp.erp_audit_seal_heads")}
    assert doc["format"] == "erp.base seal heads"
    assert {x["tenant_id"]: (x["block_no"], x["hash"]) for x in doc["heads"]} == stored
    printed = json.loads(audit(dsn, "seal-head", "--tenant", str(trail.a)).stdout)
    assert [x["tenant_id"] for x in printed["heads"]] == [str(trail.a)]

    # every archive manifest (and the file's header) carries the heads
    assert audit(dsn, "archive", "--month", "2015-03", "--out", str(tmp_path)).returncode == 0
    manifest = tmp_path / "erp-audit-2015-03.manifest.json"
    in_manifest = json.loads(manifest.read_text())["header"]["seal_heads"]
    assert {x["tenant_id"]: (x["block_no"], x["hash"]) for x in in_manifest} == stored

    for witness in (heads_file, manifest):
        ok = audit(dsn, "seal-verify", "--tenant", str(trail.a), "--expected-head", str(witness))
        assert ok.returncode == 0 and "expected head" in ok.stdout, ok.stdout + ok.stderr
    block, hash_ = stored[str(trail.a)]
    assert audit(dsn, "seal-verify", "--tenant", str(trail.a), "--expected-head",
                 f"{block}:{hash_}").returncode == 0
    wrong = audit(dsn, "seal-verify", "--tenant", str(trail.a), "--expected-head",
                  f"{block}:{'0' * 64}")
    assert wrong.returncode == 1 and "witness_mismatch" in wrong.stdout
    bad = one_line_error(audit(dsn, "seal-verify", "--tenant", str(trail.a),
                               "--expected-head", "nonsense"))
    assert "--expected-head" in bad


def test_purge_refuses_a_month_with_events_beyond_the_counter(conn, dsn, trail, tmp_path):
    """After a restore from another cluster that was not recorded, whether the month's events
    are sealed cannot be told: the purge names the missing step."""
    conn.execute("UPDATE erp_meta.audit_settings SET retention_months = 1")
    conn.execute("INSERT INTO erp.erp_audit_events (tenant_id, id, actor_type, entity_type,"
                 " entity_id, event_type, payload, created_at, xact_id) VALUES (%s,"
                 " erp._uuid_v7_at('2015-03-20'), 'SYSTEM', 'x.thing', gen_random_uuid(),"
                 " 'x.thing.noted', '{}', '2015-03-20', '9999999999')", (trail.a,))
    with pytest.raises(psycopg.Error) as info:
        conn.execute("SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 't', '2015-03-01')")
    assert info.value.sqlstate == "ZE009" and "audit_restored" in str(info.value)
    assert exists(conn, PARTITION)
    assert conn.execute("SELECT count(*) FROM erp_meta.audit_purges").fetchone()[0] == 0
