"""SQL helper functions stay inlinable. PostgreSQL inlines a LANGUAGE sql function into the
calling expression only under conditions that are easy to break without noticing (a STRICT
function whose body has a CASE, an EXISTS in the body, a volatile argument used twice, ...).
A function that is not inlined is planned again on every call in every transaction, and the
check constraints and generated key columns that call these helpers are prepared again by
every INSERT and UPDATE: one such slip once cost ~350 µs per insert. This test calls every
helper with column arguments and asserts the plan no longer names it."""

from __future__ import annotations

import psycopg
import pytest

# not inlined, on purpose, and off the hot paths
NOT_INLINED = {
    "_audit_block_hash": "reads events (FROM); called once per sealed block",
    "_audit_bound": "partition bounds; called by maintenance only",
    "_clip": "shortens values quoted in error messages; runs only when raising",
    "_clip_list": "shortens lists quoted in error messages; runs only when raising",
}

HELPERS = """
SELECT p.oid::regprocedure::text AS signature, p.proname AS name, p.pronargs AS nargs,
    ARRAY(SELECT pg_catalog.format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) AS t) AS types
FROM pg_proc AS p
JOIN pg_namespace AS n ON n.oid = p.pronamespace
JOIN pg_language AS l ON l.oid = p.prolang
WHERE n.nspname IN ('erp', 'erp_meta') AND l.lanname = 'sql' AND NOT p.proretset
    AND NOT p.prosecdef AND p.proconfig IS NULL
ORDER BY 1
"""


def _plan(conn: psycopg.Connection, signature: str, nargs: int, types: list[str]) -> str:
    name = signature.split("(")[0]
    cols = ", ".join(f"c{i}" for i in range(1, nargs + 1))
    nulls = ", ".join(f"NULL::{t}" for t in types)
    args = ", ".join(f"v.c{i}" for i in range(1, nargs + 1))
    source = f"(VALUES ({nulls}), ({nulls})) AS v({cols})" if nargs else "(VALUES (1), (2)) AS v"
    rows = conn.execute(f"EXPLAIN VERBOSE SELECT {name}({args}) FROM {source}").fetchall()
    return "\n".join(r[0] for r in rows)


def test_every_sql_helper_is_inlined_or_listed(conn):
    helpers = conn.execute(HELPERS).fetchall()
    assert len(helpers) >= 15
    names = {h[1] for h in helpers}
    assert set(NOT_INLINED) <= names, "an entry of NOT_INLINED no longer exists"
    not_inlined = []
    for signature, name, nargs, types in helpers:
        plan = _plan(conn, signature, nargs, types)
        if f"{name}(" in plan and name not in NOT_INLINED:
            not_inlined.append(signature)
        if name in NOT_INLINED:
            assert f"{name}(" in plan, f"{signature} is inlined now: drop it from NOT_INLINED"
    assert not_inlined == [], f"SQL functions the planner does not inline: {not_inlined}"


@pytest.mark.parametrize("table", ["erp_uoms", "erp_products", "erp_partners"])
def test_the_constraints_of_entity_tables_call_no_function_that_is_not_inlined(conn, table):
    """What every insert and update prepares: check constraints and generated columns may call
    inlined SQL helpers (and, through them, PL/pgSQL for rare input), nothing re-planned."""
    exprs = conn.execute(
        """
        SELECT pg_catalog.pg_get_constraintdef(c.oid) FROM pg_constraint AS c
        WHERE c.conrelid = %(t)s::regclass AND c.contype = 'c'
        UNION ALL
        SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef AS d
        WHERE d.adrelid = %(t)s::regclass
        """, {"t": f"erp.{table}"}).fetchall()
    assert exprs
    listed = [n for (e,) in exprs for n in NOT_INLINED if f"{n}(" in e]
    assert listed == []
