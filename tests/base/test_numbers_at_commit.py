"""Numbers at commit (erp.sequence_next_at_commit) across real connections, on a document
entity registered the way a module author registers one (DESIGN "Module authors").

* The counter row is locked only while a transaction commits: an open transaction that asked
  for a number does not hold up another one that asks and commits (it gets number 1 first);
  a transaction holding the counter row (erp.sequence_next, allocated early) does hold up a
  commit, which then fails on lock_timeout with nothing allocated.
* 64 posting transactions at once (1-3 documents each, numbers from two sequences and two
  yearly periods requested in random order, random work, ~20 % rolled back) while a killer
  terminates some of them mid-transaction: the committed documents' numbers are gapless and
  unique per series, each numbered exactly once with one allocation event, nothing of a
  rolled-back or killed transaction is numbered or allocated, the request queue is empty,
  no commit deadlocked (requests are served in (sequence, period) order) and audit_verify is
  clean.
* Document dates in two years draw from two yearly series.

Every cross-connection wait is bounded (statement_timeout / lock_timeout / joins)."""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter, defaultdict
from datetime import date

import psycopg
import pytest
from psycopg.pq import TransactionStatus
from psycopg.types.json import Jsonb

from erp_ops import migrate
from tests.conftest import Storm, new_tenant

CTX = (None, "SYSTEM", "numbers-at-commit")
GUARD = "-c statement_timeout=60s -c lock_timeout=30s"  # no test waits forever

DOCUMENTS = (migrate.SQL_DIR / "tests" / "include" / "documents_entity.sql").read_text()


@pytest.fixture
def documents(conn):
    """The module author's document entity 'test.documents' (table erp.erp_documents)."""
    with conn.transaction():
        conn.execute(DOCUMENTS)
    return "test.documents"


def create_sequence(conn, tenant, code: str) -> None:
    conn.execute(
        "SELECT erp.sequence_create(%s, NULL, 'SYSTEM', 'test', %s, %s, p_prefix => %s,"
        " p_reset => 'yearly')", (tenant, code, code, f"{code}/{{YYYY}}/"))


def new_doc(c, tenant, partner: str = "ACME") -> uuid.UUID:
    doc = uuid.uuid4()
    c.execute("SELECT erp.atomic_insert_with_audit(%s, %s, %s, %s, 'test.documents', %s)",
              (tenant, *CTX, Jsonb({"id": str(doc), "partner": partner})))
    return doc


def request(c, tenant, code: str, doc: uuid.UUID, doc_date: date | None) -> None:
    c.execute("SELECT erp.sequence_next_at_commit(%s, %s, %s, %s, %s, 'test.documents', %s, %s)",
              (tenant, *CTX, code, doc, doc_date))


def numbers(conn, tenant) -> dict[uuid.UUID, str | None]:
    return dict(conn.execute(
        "SELECT d.id, d.number FROM erp.erp_documents AS d WHERE d.tenant_id = %s", (tenant,)))


def allocated(conn, tenant) -> list[tuple[str | None, str, str, int]]:
    """(document_id, period_key, formatted, allocated_value) of every allocation event."""
    return conn.execute(
        "SELECT e.payload ->> 'document_id', e.payload ->> 'period_key', e.payload ->> 'formatted',"
        " (e.payload ->> 'allocated_value')::bigint FROM erp.erp_audit_events AS e"
        " WHERE e.tenant_id = %s AND e.event_type = 'erp.base.sequence.allocated'",
        (tenant,)).fetchall()


def queued(conn) -> int:
    return conn.execute("SELECT count(*) FROM erp.erp_number_requests").fetchone()[0]


def audit_problems(conn, tenant) -> list:
    return conn.execute("SELECT * FROM erp.audit_verify(%s)", (tenant,)).fetchall()


# ---- (a) the counter row is locked only during the commit --------------------------------------
def test_counter_row_is_locked_only_during_commit(conn, dsn, documents):
    tenant = new_tenant(conn, "Commit lock")
    create_sequence(conn, tenant, "INV")
    d2025 = date(2025, 6, 1)
    with psycopg.connect(dsn, options=GUARD) as t1, psycopg.connect(dsn, options=GUARD) as t2:
        doc1 = new_doc(t1, tenant, "first")
        request(t1, tenant, "INV", doc1, d2025)
        t1.execute("SELECT pg_sleep(0.05)")  # T1 stays open, its number requested

        t2.execute("SET lock_timeout = '5s'")  # were the counter row held, T2 would fail here
        doc2 = new_doc(t2, tenant, "second")
        request(t2, tenant, "INV", doc2, d2025)
        started = time.perf_counter()
        t2.commit()
        t2_commit = time.perf_counter() - started

        assert numbers(conn, tenant) == {doc2: "INV/2025/00001"}  # T1's document: not yet
        assert t1.info.transaction_status == TransactionStatus.INTRANS, "T1 is still open"
        assert numbers(t1, tenant) == {doc1: None, doc2: "INV/2025/00001"}
        t1.commit()
        assert numbers(conn, tenant) == {doc1: "INV/2025/00002", doc2: "INV/2025/00001"}
    print(f"\nT2 committed (and got number 1) in {t2_commit * 1000:.1f} ms while T1 was open")

    # a transaction that allocated early (sequence_next) holds the counter row until it ends:
    # a commit that needs that row waits, here up to lock_timeout, and then fails: the whole
    # transaction is gone (its document too) and nothing was allocated for it
    with psycopg.connect(dsn, options=GUARD) as t3, psycopg.connect(dsn, options=GUARD) as t4:
        row = t3.execute("SELECT allocated_value FROM erp.sequence_next(%s, %s, %s, %s, 'INV', %s)",
                         (tenant, *CTX, d2025)).fetchone()
        assert row == (3,)
        doc4 = new_doc(t4, tenant, "blocked")
        request(t4, tenant, "INV", doc4, d2025)
        t4.execute("SET LOCAL lock_timeout = '200ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            t4.commit()
        t3.rollback()
    assert doc4 not in numbers(conn, tenant)
    assert sorted(v for _d, _p, _f, v in allocated(conn, tenant)) == [1, 2]
    with psycopg.connect(dsn, options=GUARD) as t5:
        doc5 = new_doc(t5, tenant, "after")
        request(t5, tenant, "INV", doc5, d2025)
        t5.commit()
    assert numbers(conn, tenant)[doc5] == "INV/2025/00003", "the rolled-back 3 was given back"
    assert queued(conn) == 0
    assert audit_problems(conn, tenant) == []


# ---- (b) 64 posting transactions, rollbacks and terminated backends --------------------------
POSTERS = 64
MIN_POSTERS = 8
ROUNDS = 6
ROLLBACK_RATE = 0.2
VICTIMS = 6
SERIES = [("INV", date(2025, 6, 1)), ("INV", date(2026, 6, 1)),
          ("CRN", date(2025, 6, 1)), ("CRN", date(2026, 6, 1))]


def test_posting_storm_numbers_are_gapless_and_once(conn, dsn, documents, connections):
    posters = connections(POSTERS, MIN_POSTERS, 2)
    tenant = new_tenant(conn, "Posting")
    create_sequence(conn, tenant, "INV")
    create_sequence(conn, tenant, "CRN")
    rnd = random.Random(20250601)
    victims = {(t, r): ("idle" if i % 2 == 0 else "sleeping")
               for i, (t, r) in enumerate(rnd.sample(
                   [(t, r) for t in range(posters) for r in range(ROUNDS)], VICTIMS))}

    storm = Storm(dsn, posters)
    lock = storm.lock
    committed: dict[uuid.UUID, tuple[str, str]] = {}  # document -> (code, year)
    discarded: set[uuid.UUID] = set()  # documents of rolled-back or terminated transactions
    stats = Counter()

    def post(c, prnd: random.Random, t: int) -> dict[uuid.UUID, tuple[str, str]]:
        """One posting transaction up to its COMMIT: documents, some work, their requests."""
        docs = {}
        for k in range(prnd.randint(1, 3)):
            code, doc_date = prnd.choice(SERIES)
            docs[new_doc(c, tenant, f"P{t}-{k}")] = (code, doc_date)
        c.execute("SELECT pg_sleep(%s)", (prnd.random() * 0.01,))
        for doc, (code, doc_date) in sorted(docs.items(), key=lambda _: prnd.random()):
            request(c, tenant, code, doc, doc_date)
        return {doc: (code, str(d.year)) for doc, (code, d) in docs.items()}

    def poster(t: int) -> None:
        prnd = random.Random(t)
        c = psycopg.connect(dsn, options=GUARD)
        try:
            storm.barrier.wait()
            for r in range(ROUNDS):
                how = victims.get((t, r))
                docs = post(c, prnd, t)
                if how:
                    c = be_killed(c, how, docs)
                elif prnd.random() < ROLLBACK_RATE:
                    c.rollback()
                    with lock:
                        discarded.update(docs)
                        stats["rolled_back"] += 1
                else:
                    c.commit()
                    with lock:
                        committed.update(docs)
                        stats["committed"] += 1
        finally:
            c.close()

    def be_killed(c, how: str, docs) -> psycopg.Connection:
        """Terminated before COMMIT (idle in transaction, or inside a statement)."""
        pid = c.execute("SELECT pg_backend_pid()").fetchone()[0]
        done = storm.kill(pid)
        with pytest.raises(psycopg.OperationalError):
            if how == "sleeping":
                c.execute("SELECT pg_sleep(30)")
            assert done.wait(30), "the killer did not come"
            c.commit()
        assert done.wait(30), "the killer did not finish"
        with lock:
            discarded.update(docs)
            stats[f"killed_{how}"] += 1
        c.close()
        return psycopg.connect(dsn, options=GUARD)

    elapsed = storm.run(poster)

    # ---- the invariants ----------------------------------------------------------------------
    assert stats["killed_idle"] + stats["killed_sleeping"] == VICTIMS
    assert stats["rolled_back"] > 0 and stats["committed"] > 0
    in_db = numbers(conn, tenant)
    assert set(in_db) == set(committed), "exactly the committed documents exist"
    assert not discarded & set(in_db)
    by_series = defaultdict(list)
    for doc, (code, year) in committed.items():
        by_series[(code, year)].append(in_db[doc])
    for (code, year), got in by_series.items():
        expected = [f"{code}/{year}/{i:05d}" for i in range(1, len(got) + 1)]
        assert sorted(got) == expected, f"numbers of {code} {year}: gapless, unique, from 1"
    events = allocated(conn, tenant)
    assert sorted((uuid.UUID(d), f) for d, _p, f, _v in events) == \
        sorted((doc, in_db[doc]) for doc in committed), "one allocation event per numbered document"
    numbered = conn.execute(
        "SELECT e.entity_id, e.changes -> 'number' ->> 'new', e.entity_version"
        " FROM erp.erp_audit_events AS e"
        " WHERE e.tenant_id = %s AND e.event_type = 'test.documents.numbered'",
        (tenant,)).fetchall()
    assert sorted(numbered) == sorted((doc, in_db[doc], 2) for doc in committed), \
        "one numbered event (version 2) per committed document"
    ctr = dict(conn.execute(
        "SELECT s.code || '/' || c.period_key, c.next_value FROM erp.erp_sequence_counters AS c"
        " JOIN erp.erp_sequences AS s ON s.tenant_id = c.tenant_id AND s.id = c.sequence_id"
        " WHERE c.tenant_id = %s", (tenant,)).fetchall())
    assert ctr == {f"{code}/{year}": len(got) + 1 for (code, year), got in by_series.items()}
    assert queued(conn) == 0, "the request queue is empty"
    assert audit_problems(conn, tenant) == []
    print(f"\nposting storm: {posters} posters, {stats['committed']} committed "
          f"({len(committed)} documents), {stats['rolled_back']} rolled back, "
          f"{VICTIMS} terminated, in {elapsed:.2f} s")


# ---- (c) two years, two series -------------------------------------------------------------------
def test_document_dates_in_two_years_draw_from_two_series(conn, dsn, documents):
    tenant = new_tenant(conn, "Two years", "Pacific/Auckland")
    create_sequence(conn, tenant, "INV")
    dates = [date(2025, 12, 31), date(2026, 1, 1), date(2025, 1, 1), date(2026, 12, 31)]
    with psycopg.connect(dsn, options=GUARD) as c:
        docs = [new_doc(c, tenant, str(d)) for d in dates]
        for doc, d in zip(docs, dates, strict=True):
            request(c, tenant, "INV", doc, d)
        assert all(n is None for n in numbers(c, tenant).values()), "nothing before the commit"
        c.commit()
        late = new_doc(c, tenant, "back-dated")
        request(c, tenant, "INV", late, date(2025, 7, 1))
        c.commit()
    got = numbers(conn, tenant)
    assert [got[d] for d in docs] == ["INV/2025/00001", "INV/2026/00001",
                                      "INV/2025/00002", "INV/2026/00002"]
    assert got[late] == "INV/2025/00003", "a back-dated document continues its year's series"
    assert sorted((p, v) for _d, p, _f, v in allocated(conn, tenant)) == \
        [("2025", 1), ("2025", 2), ("2025", 3), ("2026", 1), ("2026", 2)]
    assert audit_problems(conn, tenant) == []


# ---- (d) session_replication_role = replica does not skip the number ---------------------------
def test_numbers_at_commit_are_served_under_replica_role(conn, dsn, documents):
    """A session with session_replication_role = replica (a restore, a replication tool) fires
    only ENABLE ALWAYS triggers: the at-commit trigger is one, so the document commits with its
    number, one allocation event, and no request row left behind."""
    tenant = new_tenant(conn, "Replica")
    create_sequence(conn, tenant, "INV")
    with psycopg.connect(dsn, options=GUARD) as c:
        c.execute("SET session_replication_role = replica")
        doc = new_doc(c, tenant)
        request(c, tenant, "INV", doc, date(2026, 2, 1))
        c.commit()
        assert c.execute("SHOW session_replication_role").fetchone()[0] == "replica"
    assert numbers(conn, tenant) == {doc: "INV/2026/00001"}
    assert allocated(conn, tenant) == [(str(doc), "2026", "INV/2026/00001", 1)]
    assert queued(conn) == 0
    assert conn.execute(
        "SELECT tgenabled FROM pg_trigger WHERE tgname = 'erp_number_requests_at_commit'"
    ).fetchone()[0] == "A"
    assert audit_problems(conn, tenant) == []
