"""Hypothesis: whatever the format, reset policy, document dates and later definition changes,
no formatted number is ever issued twice for a sequence (EU VAT: an invoice number identifies
one invoice). The database refuses what would repeat one (ZE003 for a format that does not
name its periods; ZE009 for a change of prefix, suffix or padding that an issued number fits,
for a second century under {YY}, and for an allocation whose number the ledger holds), and
every ZE009 must name a number that was really issued; everything else must succeed, so the
property cannot hold by refusing all."""

from __future__ import annotations

import re
import uuid
from datetime import date

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import new_tenant

TOKENS = ["{YYYY}", "{YY}", "{MM}", "{DD}"]
piece = st.one_of(st.sampled_from(TOKENS), st.sampled_from(["A", "-", "/", "1", "9", "IN", "0"]))
affix = st.lists(piece, max_size=4).map("".join)
DATES = [date(y, m, d) for y in (1926, 2025, 2026, 2126) for m, d in ((1, 31), (2, 1), (12, 31))]

definition = st.fixed_dictionaries({
    "prefix": affix, "suffix": affix,
    "reset": st.sampled_from(["never", "yearly", "monthly"]),
    "padding": st.integers(0, 4), "start": st.integers(0, 12), "step": st.integers(1, 11),
})
operation = st.one_of(
    st.tuples(st.just("next"), st.sampled_from(DATES)),
    st.tuples(st.just("batch"), st.sampled_from(DATES), st.integers(1, 3)),
    st.tuples(st.just("padding"), st.integers(0, 6)),
    st.tuples(st.just("affix"), affix, affix),
)


def named_number(exc: psycopg.Error) -> str | None:
    """The issued number a ZE009 names ('... number 'N' again ...'), if it names one."""
    found = re.search(r"number '(.*)' again", exc.diag.message_primary or "")
    return found.group(1) if found else None


def names_periods(reset: str, text: str) -> bool:
    year = "{YYYY}" in text or "{YY}" in text
    return reset == "never" or (year and (reset == "yearly" or "{MM}" in text))


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(d=definition, ops=st.lists(operation, min_size=1, max_size=14))
def test_no_formatted_number_is_issued_twice(conn, d, ops):
    tenant = new_tenant(conn, "Formats")
    code = "F" + uuid.uuid4().hex[:8]
    create = ("SELECT id FROM erp.sequence_create(%s, NULL, 'SYSTEM', 'prop', %s, %s, %s, %s, %s,"
              " %s, %s, %s)")
    args = (tenant, code, code, d["prefix"], d["suffix"], d["padding"], d["step"], d["start"],
            d["reset"])
    if not names_periods(d["reset"], d["prefix"] + d["suffix"]):
        try:
            conn.execute(create, args)
        except psycopg.Error as exc:
            assert exc.sqlstate == "ZE003", exc
            return
        raise AssertionError("a format that does not name its periods was accepted")
    seq_id = conn.execute(create, args).fetchone()[0]
    issued: list[str] = []
    years_seen: dict[str, int] = {}  # YY (and MM) -> the year printed with it
    begun: set[tuple[int, int]] = set()  # periods with a number issued
    prefix, suffix = d["prefix"], d["suffix"]
    for op in ops:
        if op[0] in ("next", "batch"):
            day, count = op[1], (op[2] if op[0] == "batch" else 1)
            text = prefix + suffix
            clash_key = (f"{day:%y}" + (f"-{day:%m}" if d["reset"] == "monthly" else ""))
            # a period's first number is refused when its {YY} (and {MM}) was printed for
            # another century's period before: later numbers of a period already begun follow
            # the ledger, which refuses an exact repeat only
            period = (day.year, day.month if d["reset"] == "monthly" else 0)
            clash = (d["reset"] != "never" and "{YYYY}" not in text and period not in begun
                     and years_seen.get(clash_key, day.year) != day.year)
            try:
                rows = conn.execute(
                    "SELECT formatted FROM erp.sequence_next_batch(%s, NULL, 'SYSTEM', 'prop', %s,"
                    " %s, %s)", (tenant, code, count, day)).fetchall()
            except psycopg.Error as exc:
                assert exc.sqlstate == "ZE009", exc
                assert clash or named_number(exc) in issued, (exc, day, years_seen)
                conn.rollback()
                continue
            assert not clash, f"{day} printed the same {{YY}} as another century"
            years_seen.setdefault(clash_key, day.year)
            begun.add(period)
            issued += [r[0] for r in rows]
        elif op[0] == "padding":
            try:
                conn.execute(
                    "SELECT erp.sequence_update(%s, NULL, 'SYSTEM', 'prop', %s, %s::jsonb)",
                    (tenant, seq_id, f'{{"padding": {op[1]}}}'))
            except psycopg.Error as exc:
                assert exc.sqlstate == "ZE009" and named_number(exc) in issued, exc
                conn.rollback()
        else:
            new_prefix, new_suffix = op[1], op[2]
            patch = psycopg.types.json.Jsonb({"prefix": new_prefix, "suffix": new_suffix})
            try:
                conn.execute("SELECT erp.sequence_update(%s, NULL, 'SYSTEM', 'prop', %s, %s)",
                             (tenant, seq_id, patch))
            except psycopg.Error as exc:
                changed = (new_prefix, new_suffix) != (prefix, suffix)
                if exc.sqlstate == "ZE003":
                    assert not names_periods(d["reset"], new_prefix + new_suffix), exc
                else:
                    assert exc.sqlstate == "ZE009" and changed and named_number(exc) in issued, exc
                conn.rollback()
                continue
            assert names_periods(d["reset"], new_prefix + new_suffix)
            prefix, suffix = new_prefix, new_suffix
        duplicates = {n for n in issued if issued.count(n) > 1}
        assert not duplicates, f"issued twice: {sorted(duplicates)[:5]} ({d}, {ops})"
    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0
