"""Hypothesis properties of the master data (units of measure, partners, products).

* Conversion: a quantity converted to another unit of the same category and back differs from
  the original by at most the rounding of both units; the result is always a whole number of
  the target unit's rounding steps; converting through the reference unit gives exactly the
  direct conversion whenever the intermediate quantity is exact in the reference unit.
* A stateful machine drives random create / update / archive / restore calls on units,
  partners and products (with colliding codes, bad values, stale versions, cycles, units in
  use) against a small Python model. Every call either succeeds as the model predicts or fails
  with the SQLSTATE the model predicts; after every step the tenant's rows equal the model, the
  audit trail holds exactly one event per version, and erp.audit_verify is clean.

Every example runs in a fresh tenant of the test's database (tenants are cheap; databases
are not)."""

from __future__ import annotations

import re
import unicodedata
import uuid
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, localcontext

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from tests.conftest import new_tenant

CTX = "%s, NULL, 'SYSTEM', 'prop'"
METHODS = ("HALF-UP", "UP", "DOWN")


def key(code: str) -> str:
    """The Python twin of erp._code_key: NFKC, trim, lower case."""
    return unicodedata.normalize("NFKC", code).strip(" \t\r\n").lower()


def ratio(uom: dict) -> Decimal:
    """Reference units in one unit (t: 1000, g: 1/1000)."""
    if uom["uom_type"] == "bigger":
        return uom["factor"]
    if uom["uom_type"] == "smaller":
        return Decimal(1) / uom["factor"]
    return Decimal(1)


def convert(conn, tenant, qty, src, dst, method="HALF-UP") -> Decimal:
    return conn.execute(
        "SELECT erp.uom_convert(%s, %s, %s, %s, %s) AS q", (tenant, qty, src, dst, method)
    ).fetchone()["q"]


def make_units(conn, tenant, ref_rounding, units):
    """A category with its reference unit R and the given non-reference units; returns dicts."""
    conn.execute(f"SELECT erp.uom_category_create({CTX}, 'C', 'Category')", (tenant,))
    rows = {}
    row = conn.execute(
        f"SELECT * FROM erp.uom_create({CTX}, 'R', 'Reference', 'C', 'reference', 1, %s)",
        (tenant, ref_rounding),
    ).fetchone()
    rows["R"] = row
    for code, (uom_type, factor, rounding) in units.items():
        rows[code] = conn.execute(
            f"SELECT * FROM erp.uom_create({CTX}, %s, %s, 'C', %s, %s, %s)",
            (tenant, code, code, uom_type, factor, rounding),
        ).fetchone()
    return rows


roundings = st.sampled_from(
    [
        Decimal(1),
        Decimal("0.5"),
        Decimal("0.25"),
        Decimal("0.1"),
        Decimal("0.01"),
        Decimal("0.001"),
        Decimal(5),
    ]
)
factors = st.one_of(
    st.sampled_from(
        [
            Decimal(2),
            Decimal(3),
            Decimal(7),
            Decimal(12),
            Decimal(1000),
            Decimal("2.54"),
            Decimal("0.3048"),
            Decimal("453.59237"),
            Decimal("1.5"),
        ]
    ),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10000), places=3),
)
units = st.tuples(st.sampled_from(["bigger", "smaller"]), factors, roundings)
quantities = st.decimals(min_value=Decimal(-(10**6)), max_value=Decimal(10**6), places=4)


@pytest.fixture
def dict_conn(dsn):
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as c:
        yield c


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(a=units, b=units, ref_rounding=roundings, qty=quantities, method=st.sampled_from(METHODS))
def test_round_trip_stays_within_the_roundings(dict_conn, a, b, ref_rounding, qty, method):
    conn = dict_conn
    tenant = new_tenant(conn, "Convert")
    u = make_units(conn, tenant, ref_rounding, {"A": a, "B": b})
    there = convert(conn, tenant, qty, u["A"]["id"], u["B"]["id"], method)
    back = convert(conn, tenant, there, u["B"]["id"], u["A"]["id"], method)
    for value, unit in ((there, u["B"]), (back, u["A"])):
        steps = value / unit["rounding"]
        assert steps == steps.to_integral_value(), (
            f"{value} is not a multiple of {unit['rounding']}"
        )
    # |back - qty| <= rounding(A) + rounding(B) expressed in A, plus numeric noise
    bound = u["A"]["rounding"] + u["B"]["rounding"] * ratio(u["B"]) / ratio(u["A"])
    assert abs(back - qty) <= bound * (1 + Decimal("1e-9")) + Decimal("1e-12"), (there, back, bound)


def python_round(value: Decimal, step: Decimal, method: str) -> Decimal:
    """The contract of the rounding methods, written independently of the SQL."""
    mode = {"HALF-UP": ROUND_HALF_UP, "UP": ROUND_UP, "DOWN": ROUND_DOWN}[method]  # away / toward 0
    return (value / step).quantize(Decimal(1), rounding=mode) * step


exact_units = st.one_of(
    st.tuples(
        st.just("bigger"),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5000), places=2),
        roundings,
    ),
    # smaller factors whose reciprocals are finite decimals
    st.tuples(
        st.just("smaller"),
        st.sampled_from([Decimal(n) for n in (2, 4, 5, 8, 10, 16, 20, 25, 100, 1000)]),
        roundings,
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    a=exact_units,
    b=units,
    qty=st.decimals(min_value=Decimal(-(10**5)), max_value=Decimal(10**5), places=3),
    method=st.sampled_from(METHODS),
)
def test_via_the_reference_unit_equals_direct_conversion(dict_conn, a, b, qty, method):
    """When q in A is exact in the reference unit (its rounding is fine enough), A -> R -> B
    equals A -> B, and both equal the exact value rounded in Python."""
    conn = dict_conn
    in_ref = qty * a[1] if a[0] == "bigger" else qty / a[1]
    ref_rounding = Decimal(1).scaleb(min(in_ref.normalize().as_tuple().exponent, 0))
    tenant = new_tenant(conn, "Via")
    u = make_units(conn, tenant, ref_rounding, {"A": a, "B": b})
    via_ref = convert(conn, tenant, qty, u["A"]["id"], u["R"]["id"], method)
    assert via_ref == in_ref, "the intermediate quantity is exact"
    direct = convert(conn, tenant, qty, u["A"]["id"], u["B"]["id"], method)
    via = convert(conn, tenant, via_ref, u["R"]["id"], u["B"]["id"], method)
    assert direct == via
    with localcontext() as ctx:
        ctx.prec = 60
        exact_b = in_ref / b[1] if b[0] == "bigger" else in_ref * b[1]
        assert direct == python_round(exact_b, u["B"]["rounding"], method)


# ---------------------------------------------------------------------------------------------
# The stateful machine
# ---------------------------------------------------------------------------------------------

# Value pools: mostly valid values, some that collide after trim + NFKC + case folding, a few
# invalid ones (each refusal path is reached, but most steps build state).
UOM_CODES = ["KG", "G", "T", "LB", "OZ", "PC", "DZ", "BOX", "PACK", "kg", " Kg ", "ＫＧ", " "]
CATEGORIES = ["WEIGHT", "UNIT"] * 4 + [" unit ", "NOPE"]
UOM_TYPES = ["reference", "bigger", "bigger", "smaller", "smaller"] * 2 + ["huge"]
UOM_FACTORS = [Decimal(1), Decimal(2), Decimal(12), Decimal(1000), Decimal("0.5")] * 3 + [
    Decimal(0),
    Decimal(-1),
    Decimal("NaN"),
    Decimal("Infinity"),
]
UOM_ROUNDINGS = [Decimal("0.01"), Decimal(1), Decimal("0.001")] * 3 + [Decimal(0), Decimal("NaN")]
PARTNER_CODES = ["ACME", "JANE", "BOB", "SUB", "SOLO", "ZED", "MAX", "IVY"] * 2 + [
    "acme",
    "ＡＣＭＥ",
    "\t",
]
KINDS = ["company", "company", "company", "person", "person"] * 2 + ["robot"]
TAX_IDS = [None] * 8 + ["DE1", " de1 ", "ＤＥ１", "FR2", " "]
EMAILS = [None] * 6 + ["a@b.co", " x@y.org "] * 2 + ["bad", "a@b"]
SKUS = ["W-1", "EGG", "SALT", "FLOUR", "NUT", "OIL"] * 2 + ["w-1", "Ｗ－１", ""]
BARCODES = [None] * 8 + ["123", "１２３", "456", " "]
PRICES = [Decimal(0), Decimal("9.99"), Decimal("24.5"), Decimal("24.50"), Decimal("-1")]
VERSIONS = [None, None, None, "current", "stale"]
SPARSE = 12  # an update patch names each field with a probability of about 1/2

E_NOT_FOUND, E_DUPLICATE, E_INVALID = "ZE001", "ZE002", "ZE003"
E_VERSION, E_IN_USE, E_OPERATION = "ZE004", "ZE005", "ZE009"


def finite_positive(x: Decimal) -> bool:
    return x.is_finite() and x > 0


class MasterData(RuleBasedStateMachine):
    """Model: categories by key; units, partners and products by id, as the columns the tests
    compare (code, name, ..., active, version)."""

    conn: psycopg.Connection  # set by the test before the machine runs

    def __init__(self):
        super().__init__()
        self.tenant = new_tenant(self.conn, "Machine")
        self.categories: dict[str, uuid.UUID] = {}
        for code in ("WEIGHT", "UNIT"):
            row = self.conn.execute(
                f"SELECT * FROM erp.uom_category_create({CTX}, %s, %s)",
                (self.tenant, code, code.title()),
            ).fetchone()
            self.categories[key(code)] = row["id"]
        self.uoms: dict[uuid.UUID, dict] = {}
        self.partners: dict[uuid.UUID, dict] = {}
        self.products: dict[uuid.UUID, dict] = {}

    # ---- helpers ----------------------------------------------------------------------------
    def call(self, sql: str, args: tuple, expected: str | None) -> dict | None:
        """Runs one write; asserts it succeeds iff the model expects success, else its SQLSTATE."""
        try:
            row = self.conn.execute(sql, args).fetchone()
        except psycopg.Error as exc:
            assert exc.sqlstate == expected, f"{exc.sqlstate} ({exc}); model expected {expected}"
            return None
        assert expected is None, f"succeeded; model expected {expected}"
        return row

    @staticmethod
    def pick(ids, index: int):
        ids = list(ids)  # creation order: draws must not depend on the ids the database made
        return ids[index % len(ids)] if ids else None

    @staticmethod
    def version_arg(record: dict, choice: str | None) -> int | None:
        return {None: None, "current": record["version"], "stale": record["version"] + 5}[choice]

    @staticmethod
    def stale(record: dict, expected: int | None) -> bool:
        return expected is not None and expected != record["version"]

    @staticmethod
    def apply(record: dict, new: dict) -> None:
        """Writes new values into the model row; version + 1 if anything changed."""
        if any(record[k] != v for k, v in new.items()):
            record.update(new)
            record["version"] += 1

    def set_active(self, noun: str, rows: dict, index: int, version, active: bool, problem) -> None:
        """Archive (active False) or restore a row of ``rows`` with erp.<noun>_archive/_restore:
        ZE004 for a stale version; else, when the row changes, what ``problem(id, old)`` says
        the entity's check refuses (None: allowed). An unchanged row comes back as it is."""
        row_id = self.pick(rows, index)
        if row_id is None:
            return
        old = rows[row_id]
        expected_version = self.version_arg(old, version)
        expected = None
        if self.stale(old, expected_version):
            expected = E_VERSION
        elif old["active"] != active:
            expected = problem(row_id, old)
        verb = "restore" if active else "archive"
        row = self.call(f"SELECT * FROM erp.{noun}_{verb}({CTX}, %s, %s)",
                        (self.tenant, row_id, expected_version), expected)
        if row is not None:
            self.apply(old, {"active": active})

    def uom_ref_problem(self, uom_id, old: dict | None, new: dict) -> str | None:
        """The one-active-reference-unit rule for a unit moving from old to new."""
        if old is not None and (old["active"], old["uom_type"]) == (new["active"], new["uom_type"]):
            return None
        if not new["active"] and not (old or {}).get("active", False):
            return None
        others = [
            u
            for i, u in self.uoms.items()
            if i != uom_id and u["category"] == new["category"] and u["active"]
        ]
        refs = [u for u in others if u["uom_type"] == "reference"]
        if new["active"] and new["uom_type"] == "reference" and refs:
            return E_OPERATION
        if new["active"] and new["uom_type"] != "reference" and not refs:
            return E_OPERATION
        if not new["active"] and old["active"] and old["uom_type"] == "reference" and others:
            return E_IN_USE
        return None

    @staticmethod
    def uom_invalid(u: dict) -> bool:
        return (
            key(u["code"]) == ""
            or u["uom_type"] not in ("reference", "bigger", "smaller")
            or not finite_positive(u["factor"])
            or not finite_positive(u["rounding"])
            or (u["uom_type"] == "reference" and u["factor"] != 1)
        )

    def duplicate(self, table: dict, record_id, field: str, value) -> bool:
        if value is None:
            return False
        return any(
            i != record_id and r[field] is not None and key(r[field]) == key(value)
            for i, r in table.items()
        )

    # ---- units -----------------------------------------------------------------------------
    @initialize()
    def reference_units(self):
        """Most sequences need a unit per category: start with the two reference units."""
        self.create_uom("KG", "WEIGHT", "reference", Decimal(1), Decimal("0.01"))
        self.create_uom("PC", "UNIT", "reference", Decimal(1), Decimal(1))

    @rule(
        code=st.sampled_from(UOM_CODES),
        category=st.sampled_from(CATEGORIES),
        uom_type=st.sampled_from(UOM_TYPES),
        factor=st.sampled_from(UOM_FACTORS),
        rounding=st.sampled_from(UOM_ROUNDINGS),
    )
    def create_uom(self, code, category, uom_type, factor, rounding):
        new = {
            "code": code.strip(" \t\r\n"),
            "name": f"Unit {code}".strip(" "),
            "uom_type": uom_type,
            "factor": factor,
            "rounding": rounding,
            "active": True,
            "version": 1,
            "category": self.categories.get(key(category)),
        }
        if self.uom_invalid(new):
            expected = E_INVALID
        elif new["category"] is None:
            expected = E_NOT_FOUND
        else:
            expected = self.uom_ref_problem(None, None, new)
            if expected is None and self.duplicate(self.uoms, None, "code", code):
                expected = E_DUPLICATE
        row = self.call(
            f"SELECT * FROM erp.uom_create({CTX}, %s, %s, %s, %s, %s, %s)",
            (self.tenant, code, new["name"], category, uom_type, factor, rounding),
            expected,
        )
        if row is not None:
            self.uoms[row["id"]] = new

    @precondition(lambda self: self.uoms)
    @rule(
        index=st.integers(0, 50),
        name=st.sampled_from([None, "Renamed", " Renamed "]),
        code=st.sampled_from(SPARSE * [None] + UOM_CODES),
        uom_type=st.sampled_from(SPARSE * [None] + UOM_TYPES),
        factor=st.sampled_from(SPARSE * [None] + UOM_FACTORS),
        rounding=st.sampled_from(SPARSE * [None] + UOM_ROUNDINGS),
        version=st.sampled_from(VERSIONS),
    )
    def update_uom(self, index, name, code, uom_type, factor, rounding, version):
        uom_id = self.pick(self.uoms, index)
        if uom_id is None:
            return
        old = self.uoms[uom_id]
        patch = {
            k: v
            for k, v in (
                ("name", name),
                ("code", code),
                ("uom_type", uom_type),
                ("factor", factor),
                ("rounding", rounding),
            )
            if v is not None
        }
        new = dict(old)
        new.update({k: str(v) if isinstance(v, Decimal) else v for k, v in patch.items()})
        new.update({k: Decimal(new[k]) for k in ("factor", "rounding")})
        new["code"], new["name"] = new["code"].strip(" \t\r\n"), new["name"].strip(" ")
        expected_version = self.version_arg(old, version)
        if self.stale(old, expected_version):
            expected = E_VERSION
        elif self.uom_invalid(new):
            expected = E_INVALID
        else:
            expected = self.uom_ref_problem(uom_id, old, new)
            if expected is None and self.duplicate(self.uoms, uom_id, "code", new["code"]):
                expected = E_DUPLICATE
        json_patch = {k: str(v) if isinstance(v, Decimal) else v for k, v in patch.items()}
        row = self.call(
            f"SELECT * FROM erp.uom_update({CTX}, %s, %s, %s)",
            (self.tenant, uom_id, Jsonb(json_patch), expected_version),
            expected,
        )
        if row is not None:
            self.apply(old, {k: new[k] for k in ("code", "name", "uom_type", "factor", "rounding")})

    @precondition(lambda self: self.uoms)
    @rule(index=st.integers(0, 50), version=st.sampled_from(VERSIONS))
    def archive_uom(self, index, version):
        def problem(uom_id, old):
            if any(p["active"] and uom_id in (p["uom_id"], p["purchase_uom_id"])
                   for p in self.products.values()):
                return E_IN_USE
            return self.uom_ref_problem(uom_id, old, {**old, "active": False})
        self.set_active("uom", self.uoms, index, version, False, problem)

    @precondition(lambda self: self.uoms)
    @rule(index=st.integers(0, 50), version=st.sampled_from(VERSIONS))
    def restore_uom(self, index, version):
        self.set_active("uom", self.uoms, index, version, True, lambda uom_id, old:
                        self.uom_ref_problem(uom_id, old, {**old, "active": True}))

    # ---- partners --------------------------------------------------------------------------
    def parent_problem(self, partner_id, parent_id, moving: bool) -> str | None:
        if parent_id is None:
            return None
        if parent_id == partner_id:
            return E_OPERATION
        parent = self.partners.get(parent_id)
        if parent is None:
            return E_NOT_FOUND
        if parent["kind"] != "company" or not parent["active"]:
            return E_OPERATION
        if moving:
            seen, node = set(), parent_id
            while node is not None and node not in seen:
                if node == partner_id:
                    return E_OPERATION
                seen.add(node)
                node = self.partners[node]["parent_id"]
        return None

    @staticmethod
    def partner_invalid(p: dict) -> bool:
        email = p["email"]
        bad_email = email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)
        return (
            key(p["code"]) == ""
            or p["kind"] not in ("company", "person")
            or bad_email
            or (p["tax_id"] is not None and key(p["tax_id"]) == "")
        )

    def parent_choice(self, choice: int):
        """-1: none, -2: an id nobody has, -3 - n: the n-th partner; even n >= 0: a company
        (where chains and cycles grow), odd n: any partner."""
        if choice == -1 or not self.partners:
            return None
        if choice == -2:
            return uuid.UUID(int=42)
        if choice <= -3:  # -3 - n: exactly the n-th partner (move_partner)
            return list(self.partners)[-3 - choice]
        companies = [i for i, p in self.partners.items() if p["kind"] == "company"]
        return self.pick(companies if choice % 2 == 0 and companies else self.partners, choice // 2)

    @rule(
        code=st.sampled_from(PARTNER_CODES),
        kind=st.sampled_from(KINDS),
        parent=st.integers(-2, 50),
        tax_id=st.sampled_from(TAX_IDS),
        email=st.sampled_from(EMAILS),
    )
    def create_partner(self, code, kind, parent, tax_id, email):
        parent_id = self.parent_choice(parent)
        new = {
            "code": code.strip(" \t\r\n"),
            "name": f"Partner {code}".strip(" "),
            "kind": kind,
            "parent_id": parent_id,
            "tax_id": None if tax_id is None else tax_id.strip(" \t\r\n"),
            "email": None if email is None else email.strip(" "),
            "active": True,
            "version": 1,
        }
        expected = (
            E_INVALID if self.partner_invalid(new) else self.parent_problem(None, parent_id, False)
        )
        if expected is None and (
            self.duplicate(self.partners, None, "code", code)
            or self.duplicate(self.partners, None, "tax_id", tax_id)
        ):
            expected = E_DUPLICATE
        row = self.call(
            f"SELECT * FROM erp.partner_create({CTX}, %s, %s, %s, %s, %s, NULL, %s)",
            (self.tenant, code, new["name"], kind, parent_id, email, tax_id),
            expected,
        )
        if row is not None:
            self.partners[row["id"]] = new

    @precondition(lambda self: self.partners)
    @rule(
        index=st.integers(0, 50),
        name=st.sampled_from([None, "Renamed"]),
        code=st.sampled_from(SPARSE * [None] + PARTNER_CODES),
        kind=st.sampled_from(SPARSE * [None] + KINDS),
        parent=st.sampled_from([None, -1, -2, 0, 1, 2, 3, 4, 5]),
        tax_id=st.sampled_from(SPARSE * ["keep"] + TAX_IDS),
        email=st.sampled_from(SPARSE * ["keep"] + EMAILS),
        version=st.sampled_from(VERSIONS),
    )
    def update_partner(self, index, name, code, kind, parent, tax_id, email, version):
        partner_id = self.pick(self.partners, index)
        if partner_id is None:
            return
        old = self.partners[partner_id]
        patch = {k: v for k, v in (("name", name), ("code", code), ("kind", kind)) if v is not None}
        if parent is not None:
            patch["parent_id"] = self.parent_choice(parent)
        if tax_id != "keep":
            patch["tax_id"] = tax_id
        if email != "keep":
            patch["email"] = email
        new = {**old, **patch}
        new["code"], new["name"] = new["code"].strip(" \t\r\n"), new["name"].strip(" ")
        new["tax_id"] = None if new["tax_id"] is None else new["tax_id"].strip(" \t\r\n")
        new["email"] = None if new["email"] is None else new["email"].strip(" ")
        expected_version = self.version_arg(old, version)
        if self.stale(old, expected_version):
            expected = E_VERSION
        elif self.partner_invalid(new):
            expected = E_INVALID
        else:
            expected = None
            if new["parent_id"] != old["parent_id"]:
                expected = self.parent_problem(partner_id, new["parent_id"], True)
            if (
                expected is None
                and old["kind"] == "company"
                and new["kind"] == "person"
                and any(p["parent_id"] == partner_id for p in self.partners.values())
            ):
                expected = E_IN_USE
            if expected is None and (
                self.duplicate(self.partners, partner_id, "code", new["code"])
                or self.duplicate(self.partners, partner_id, "tax_id", new["tax_id"])
            ):
                expected = E_DUPLICATE
        json_patch = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in patch.items()}
        row = self.call(
            f"SELECT * FROM erp.partner_update({CTX}, %s, %s, %s)",
            (self.tenant, partner_id, Jsonb(json_patch), expected_version),
            expected,
        )
        if row is not None:
            self.apply(
                old, {k: new[k] for k in ("code", "name", "kind", "parent_id", "tax_id", "email")}
            )

    @precondition(lambda self: len(self.partners) > 1)
    @rule(index=st.integers(0, 50), parent=st.integers(0, 50))
    def move_partner(self, index, parent):
        """Re-parenting only (where cycles are tried): a company gets another, active company as
        its parent."""
        companies = [i for i, p in self.partners.items() if p["kind"] == "company"]
        if len(companies) < 2:
            return
        child = companies[index % len(companies)]
        others = [i for i in companies if i != child and self.partners[i]["active"]]
        if not others:
            return
        parent_index = list(self.partners).index(others[parent % len(others)])
        index = list(self.partners).index(child)
        self.update_partner(index, None, None, None, -3 - parent_index, "keep", "keep", None)

    @precondition(lambda self: self.partners)
    @rule(index=st.integers(0, 50), version=st.sampled_from(VERSIONS))
    def archive_partner(self, index, version):
        def problem(partner_id, _old):
            children = (p for p in self.partners.values() if p["parent_id"] == partner_id)
            return E_IN_USE if any(p["active"] for p in children) else None
        self.set_active("partner", self.partners, index, version, False, problem)

    @precondition(lambda self: self.partners)
    @rule(index=st.integers(0, 50), version=st.sampled_from(VERSIONS))
    def restore_partner(self, index, version):
        self.set_active("partner", self.partners, index, version, True, lambda partner_id, old:
                        self.parent_problem(partner_id, old["parent_id"], False))

    # ---- products --------------------------------------------------------------------------
    def units_problem(self, uom_id, purchase_uom_id) -> str | None:
        uom = self.uoms.get(uom_id)
        if uom is None:
            return E_NOT_FOUND
        if not uom["active"]:
            return E_OPERATION
        if purchase_uom_id is None or purchase_uom_id == uom_id:
            return None
        purchase = self.uoms.get(purchase_uom_id)
        if purchase is None:
            return E_NOT_FOUND
        if not purchase["active"] or purchase["category"] != uom["category"]:
            return E_OPERATION
        return None

    @staticmethod
    def product_invalid(p: dict) -> bool:
        return (
            key(p["sku"]) == ""
            or p["uom_id"] is None
            or p["list_price"] < 0
            or (p["barcode"] is not None and key(p["barcode"]) == "")
        )

    def uom_choice(self, choice: int):
        return None if choice < 0 or not self.uoms else self.pick(self.uoms, choice)

    @precondition(lambda self: self.uoms)
    @rule(
        sku=st.sampled_from(SKUS),
        uom=st.integers(0, 50),
        purchase=st.integers(-1, 50),
        price=st.sampled_from(PRICES),
        barcode=st.sampled_from(BARCODES),
    )
    def create_product(self, sku, uom, purchase, price, barcode):
        uom_id, purchase_uom_id = self.uom_choice(uom), self.uom_choice(purchase)
        if uom_id is None:
            return
        new = {
            "sku": sku.strip(" \t\r\n"),
            "name": f"Product {sku}".strip(" "),
            "uom_id": uom_id,
            "purchase_uom_id": purchase_uom_id,
            "list_price": price,
            "barcode": None if barcode is None else barcode.strip(" \t\r\n"),
            "active": True,
            "version": 1,
        }
        expected = (
            E_INVALID if self.product_invalid(new) else self.units_problem(uom_id, purchase_uom_id)
        )
        if expected is None and (
            self.duplicate(self.products, None, "sku", sku)
            or self.duplicate(self.products, None, "barcode", barcode)
        ):
            expected = E_DUPLICATE
        row = self.call(
            f"SELECT * FROM erp.product_create({CTX}, %s, %s, %s, 'goods', %s, %s, %s)",
            (self.tenant, sku, new["name"], uom_id, price, barcode, purchase_uom_id),
            expected,
        )
        if row is not None:
            self.products[row["id"]] = new

    @precondition(lambda self: self.products)
    @rule(
        index=st.integers(0, 50),
        name=st.sampled_from([None, "Renamed"]),
        sku=st.sampled_from(SPARSE * [None] + SKUS),
        price=st.sampled_from(SPARSE * [None] + PRICES),
        uom=st.sampled_from([None, 0, 1, 2, 3, 4]),
        purchase=st.sampled_from([None, -1, 0, 1, 2, 3]),
        barcode=st.sampled_from(SPARSE * ["keep"] + BARCODES),
        version=st.sampled_from(VERSIONS),
    )
    def update_product(self, index, name, sku, price, uom, purchase, barcode, version):
        product_id = self.pick(self.products, index)
        if product_id is None:
            return
        old = self.products[product_id]
        patch = {
            k: v for k, v in (("name", name), ("sku", sku), ("list_price", price)) if v is not None
        }
        if uom is not None:
            patch["uom_id"] = self.uom_choice(uom)
        if purchase is not None:
            patch["purchase_uom_id"] = self.uom_choice(purchase)
        if barcode != "keep":
            patch["barcode"] = barcode
        new = {**old, **patch}
        new["sku"], new["name"] = new["sku"].strip(" \t\r\n"), new["name"].strip(" ")
        new["barcode"] = None if new["barcode"] is None else new["barcode"].strip(" \t\r\n")
        expected_version = self.version_arg(old, version)
        if self.stale(old, expected_version):
            expected = E_VERSION
        elif self.product_invalid(new):
            expected = E_INVALID
        else:
            expected = None
            if (new["uom_id"], new["purchase_uom_id"]) != (old["uom_id"], old["purchase_uom_id"]):
                expected = self.units_problem(new["uom_id"], new["purchase_uom_id"])
            if expected is None and (
                self.duplicate(self.products, product_id, "sku", new["sku"])
                or self.duplicate(self.products, product_id, "barcode", new["barcode"])
            ):
                expected = E_DUPLICATE
        json_patch = {
            k: str(v) if isinstance(v, (uuid.UUID, Decimal)) else v for k, v in patch.items()
        }
        row = self.call(
            f"SELECT * FROM erp.product_update({CTX}, %s, %s, %s)",
            (self.tenant, product_id, Jsonb(json_patch), expected_version),
            expected,
        )
        if row is not None:
            self.apply(
                old,
                {
                    k: new[k]
                    for k in ("sku", "name", "uom_id", "purchase_uom_id", "list_price", "barcode")
                },
            )

    @precondition(lambda self: self.products)
    @rule(index=st.integers(0, 50), version=st.sampled_from(VERSIONS))
    def archive_product(self, index, version):
        self.set_active("product", self.products, index, version, False, lambda _id, _old: None)

    @precondition(lambda self: self.products)
    @rule(index=st.integers(0, 50), version=st.sampled_from(VERSIONS))
    def restore_product(self, index, version):
        self.set_active("product", self.products, index, version, True,
                        lambda _id, old: self.units_problem(old["uom_id"], old["purchase_uom_id"]))

    # ---- invariants ------------------------------------------------------------------------
    def listed(self, function: str, columns: tuple[str, ...], code: str) -> list[tuple]:
        rows = self.conn.execute(
            f"SELECT * FROM erp.{function}(%s, true)", (self.tenant,)
        ).fetchall()
        assert [r[f"{code}_key"] for r in rows] == sorted(r[f"{code}_key"] for r in rows), (
            f"{function} is ordered by {code}"
        )
        return sorted((r["id"], *(r[c] for c in columns)) for r in rows)

    @staticmethod
    def modelled(table: dict, columns: tuple[str, ...]) -> list[tuple]:
        return sorted((i, *(r[c] for c in columns)) for i, r in table.items())

    @invariant()
    def database_equals_model(self):
        uom_cols = ("code", "name", "uom_type", "factor", "rounding", "active", "version")
        got = self.listed("uom_list", (*uom_cols, "category_id"), "code")
        assert got == self.modelled(
            {i: {**u, "category_id": u["category"]} for i, u in self.uoms.items()},
            (*uom_cols, "category_id"),
        )
        partner_cols = ("code", "name", "kind", "parent_id", "tax_id", "email", "active", "version")
        assert self.listed("partner_list", partner_cols, "code") == self.modelled(
            self.partners, partner_cols
        )
        product_cols = (
            "sku",
            "name",
            "uom_id",
            "purchase_uom_id",
            "list_price",
            "barcode",
            "active",
            "version",
        )
        assert self.listed("product_list", product_cols, "sku") == self.modelled(
            self.products, product_cols
        )

    @invariant()
    def one_event_per_version_and_audit_verify_is_clean(self):
        versions = sum(
            r["version"] for t in (self.uoms, self.partners, self.products) for r in t.values()
        )
        events = self.conn.execute(
            "SELECT count(*) AS n FROM erp.erp_audit_events WHERE tenant_id = %s", (self.tenant,)
        ).fetchone()
        assert events["n"] == 1 + len(self.categories) + versions, "refusals write no event"
        problems = self.conn.execute(
            "SELECT * FROM erp.audit_verify(%s)", (self.tenant,)
        ).fetchall()
        assert problems == []

    @invariant()
    def one_active_reference_unit_per_category_in_use(self):
        for category in self.categories.values():
            active = [u for u in self.uoms.values() if u["category"] == category and u["active"]]
            assert not active or sum(u["uom_type"] == "reference" for u in active) == 1


def test_master_data_state_machine(dict_conn):
    MasterData.conn = dict_conn
    run_state_machine_as_test(
        MasterData,
        settings=settings(
            max_examples=40,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
