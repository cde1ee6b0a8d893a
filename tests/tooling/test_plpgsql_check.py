"""plpgsql_check over every PL/pgSQL function of schemas erp and erp_meta (all warning classes,
generated writers and trigger functions included): no errors, no warnings.

A finding that is a false positive is switched off in the function's own source with an
in-comment option (``-- @plpgsql_check_options: <class> = false``, no runtime cost), next to a
comment that says why. Every such suppression is listed in ``SUPPRESSIONS`` below, so adding
one is a reviewed change, never a silent one."""

from __future__ import annotations

import re

import psycopg
import pytest

# function name -> the in-comment options it may carry, and why
SUPPRESSIONS = {
    "_generate": (
        "security_warnings = false, performance_warnings = false",
        "runs DDL rendered from a generator template, with catalog names quoted with %I/%L, "
        "through EXECUTE (volatility not determinable)",
    ),
    "_document_state": (
        "extra_warnings = false, performance_warnings = false",
        "generated with one branch per document entity: with none registered, its arguments "
        "are unused and it looks immutable",
    ),
    "_document_number": (
        "extra_warnings = false, performance_warnings = false",
        "the same",
    ),
    "_template_document_state": (
        "extra_warnings = false, performance_warnings = false",
        "the template of _document_state: the options are in the text it generates",
    ),
    "_template_document_number": (
        "extra_warnings = false, performance_warnings = false",
        "the template of _document_number, the same",
    ),
    "_uom_category_write_check": (
        "extra_warnings = false, performance_warnings = false",
        "has the signature of every write check (p_tenant_id, p_old, p_new), of which a "
        "category needs only the new row; it looks immutable, but raises",
    ),
    "_sequence_find": (
        "extra_warnings = false",
        "returns the sequence row (a composite OUT) beside its document date, on purpose",
    ),
    "_sales_lines_priced": (
        "extra_warnings = false",
        "returns the order (a composite OUT) beside its priced lines, on purpose",
    ),
    "_audit_protect": (
        "security_warnings = false, performance_warnings = false",
        "DDL on a partition named from the catalog (regclass); volatility not determinable",
    ),
    "_audit_replicator_policy": (
        "security_warnings = false, performance_warnings = false",
        "GRANT and CREATE POLICY on a table named from the catalog (regclass, %I)",
    ),
    "_audit_create_partition": (
        "security_warnings = false",
        "DDL with identifiers quoted by %I and bounds by %L",
    ),
    "audit_partitions": (
        "security_warnings = false",
        "counts a partition named from the catalog (regclass)",
    ),
    "audit_purge": (
        "security_warnings = false",
        "detaches and drops a partition named from the catalog (regclass)",
    ),
    "audit_verify": (
        "security_warnings = false",
        "reads each entity table through SQL built from catalog names (%I, %L)",
    ),
    "regenerate_writers": (
        "security_warnings = false",
        "drops generated functions by regprocedure",
    ),
    "_hooks_run": (
        "security_warnings = false, performance_warnings = false",
        "calls the functions registered for a hook, named from the catalog (regprocedure); "
        "they write, so it is VOLATILE though the checker cannot see into the dynamic call",
    ),
    "function_phase_begin": (
        "security_warnings = false",
        "revokes grants on functions named by regprocedure, from roles named by regrole",
    ),
    "function_phase_end": (
        "security_warnings = false",
        "drops functions named by regprocedure",
    ),
}

FUNCTIONS = """
SELECT p.oid, p.oid::regprocedure::text AS signature, p.proname,
    p.prorettype = 'trigger'::regtype AS is_trigger,
    (SELECT t.tgrelid FROM pg_trigger AS t WHERE t.tgfoid = p.oid ORDER BY t.oid LIMIT 1) AS relid
FROM pg_proc AS p
JOIN pg_language AS l ON l.oid = p.prolang
WHERE l.lanname = 'plpgsql' AND p.pronamespace IN ('erp'::regnamespace, 'erp_meta'::regnamespace)
ORDER BY 2
"""

CHECK = """
SELECT r.lineno, r.level, r.sqlstate, r.message, r.detail, r.hint,
    left(regexp_replace(r.query, '\\s+', ' ', 'g'), 160)
FROM plpgsql_check_function_tb(%s::oid::regprocedure, %s::oid::regclass,
    fatal_errors => false, all_warnings => true) AS r
"""

OPTION = re.compile(r"@plpgsql_check_options:\s*([^\n]*)")


def _functions(conn: psycopg.Connection) -> list[tuple]:
    """The PL/pgSQL functions to check; skips (saying why) where plpgsql_check is missing: it
    is a compiled extension built for one major, installed with the system's PostgreSQL only
    (the other majors of ``PG_MAJOR`` have pgTAP, which is plain SQL, but not it)."""
    available = conn.execute("SELECT EXISTS (SELECT 1 FROM pg_available_extensions"
                             " WHERE name = 'plpgsql_check')").fetchone()[0]
    if not available:
        version = conn.execute("SHOW server_version").fetchone()[0]
        pytest.skip(f"plpgsql_check is not installed for PostgreSQL {version}")
    conn.execute("CREATE EXTENSION IF NOT EXISTS plpgsql_check")
    return conn.execute(FUNCTIONS).fetchall()


def test_plpgsql_check_finds_nothing(conn):
    functions = _functions(conn)
    assert len(functions) >= 25, "too few PL/pgSQL functions found: is the schema migrated?"
    findings: list[str] = []
    for oid, signature, _name, is_trigger, relid in functions:
        if is_trigger and relid is None:
            findings.append(f"{signature}: trigger function used by no trigger, cannot be checked")
            continue
        for lineno, level, sqlstate, message, detail, hint, query in conn.execute(
            CHECK, (oid, relid or 0)
        ):
            where = f"line {lineno}" if lineno else "function"
            text = f"{signature} {where}: {level} {sqlstate} {message}"
            if detail:
                text += f" | detail: {detail}"
            if hint:
                text += f" | hint: {hint}"
            if query:
                text += f" | query: {query}"
            findings.append(text)
    assert not findings, "plpgsql_check findings:\n" + "\n".join(findings)


def test_trigger_functions_are_checked_against_their_table(conn):
    triggers = [f for f in _functions(conn) if f[3]]
    assert any(f[1] == "erp._audit_reject_change()" and f[4] is not None for f in triggers)


def test_every_suppression_is_listed_and_explained(conn):
    _functions(conn)
    rows = conn.execute(
        """SELECT p.proname, p.prosrc FROM pg_proc AS p
        WHERE p.pronamespace IN ('erp'::regnamespace, 'erp_meta'::regnamespace)
            AND p.prosrc LIKE '%@plpgsql_check_options%'"""
    ).fetchall()
    found = {name: OPTION.search(src).group(1).strip() for name, src in rows}
    expected = {name: options for name, (options, _why) in SUPPRESSIONS.items()}
    assert found == expected
    for name, src in rows:
        before = src[: src.index("@plpgsql_check_options")].rstrip().splitlines()
        # the option line is preceded by at least one comment line saying why
        assert len(before) >= 2 and before[-2].strip().startswith("--"), name
