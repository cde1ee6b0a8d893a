"""``make demo``: a guided tour of erp.base in a few seconds.

Every step calls the stored functions through :class:`harness.client.ErpClient` and prints
what the database answered. Tenants get new ids on every run, so the demo can be repeated
on the same database.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import psycopg
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from harness import migrate
from harness.client import ErpClient
from harness.errors import ErpError, translate

ALLOCATORS = 100
ROLLBACK_EVERY = 5  # every fifth allocator rolls back: its number goes to someone else


class Tour:
    def __init__(self, url: str, console: Console) -> None:
        self.url = url
        self.console = console
        self.step = 0

    def section(self, title: str, why: str) -> None:
        self.step += 1
        self.console.print()
        self.console.rule(f"[bold]{self.step}. {title}", align="left")
        self.console.print(f"[dim]{why}[/]")

    def say(self, text: str) -> None:
        self.console.print(text)

    def refused(self, what: str, call) -> None:
        """Show a refusal: the exception class and SQLSTATE a Python caller would catch."""
        try:
            call()
        except ErpError as exc:
            self.say(f"  {what}: [yellow]{type(exc).__name__}[/] ({exc.sqlstate}) "
                     f"[dim]{exc.message}[/]")
        else:
            raise AssertionError(f"{what}: expected a refusal")

    def table(self, title: str, columns: list[str], rows: list[list[object]]) -> None:
        t = Table(title=title, title_justify="left", title_style="bold",
                  show_header=any(columns))
        for c in columns:
            t.add_column(c)
        for r in rows:
            t.add_row(*("" if v is None else str(v) for v in r))
        self.console.print(t)


def _changes(changes: dict | None) -> str:
    if not changes:
        return ""
    return ", ".join(f"{k}: {v.get('old')} → {v.get('new')}" for k, v in changes.items()
                     if k not in ("version", "updated_at"))


def _allocate_concurrently(url: str, tenant: uuid.UUID, code: str) -> tuple[list[int], float]:
    """ALLOCATORS threads, one connection each, released together; returns committed numbers."""
    conns = [psycopg.connect(url) for _ in range(ALLOCATORS)]
    barrier = threading.Barrier(ALLOCATORS)
    committed: list[int] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def allocator(i: int, conn: psycopg.Connection) -> None:
        erp = ErpClient(conn, tenant_id=tenant, trace_id=f"demo-allocator-{i}")
        try:
            barrier.wait()
            number = erp.sequence_next(code)["allocated_value"]
            if i % ROLLBACK_EVERY == 0:
                conn.rollback()  # the number is given back to the next allocator
            else:
                conn.commit()
                with lock:
                    committed.append(number)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=allocator, args=(i, c)) for i, c in enumerate(conns)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
    return sorted(committed), time.perf_counter() - started


def run(url: str) -> int:
    console = Console()
    tour = Tour(url, console)
    started = time.perf_counter()
    suffix = uuid.uuid4().hex[:4]
    today = dt.date.today()

    tour.section("Migrate", "Ordered, checksummed migrations; then every function is re-applied.")
    applied = migrate.migrate(url, log=lambda *_: None)
    tour.say(f"applied {len(applied)} migration(s), re-applied "
             f"{len(migrate.function_files())} function files"
             if applied else "schema already up to date; functions re-applied")

    with psycopg.connect(url, autocommit=True) as conn:
        system = ErpClient(conn, trace_id="demo")

        tour.section("Two tenants in different time zones",
                     "Every function takes the tenant id first; \"today\" (for numbering) is "
                     "the tenant's local date.")
        acme_t = system.tenant_create(f"Acme GmbH ({suffix})", "Europe/Berlin")
        kiwi_t = system.tenant_create(f"Kiwi Ltd ({suffix})", "Pacific/Auckland")
        now = dt.datetime.now(dt.timezone.utc)
        tour.table("erp.tenant_create", ["id", "name", "time zone", "local time now"], [
            [str(t["id"])[:8] + "…", t["name"], t["timezone"],
             now.astimezone(ZoneInfo(t["timezone"])).strftime("%Y-%m-%d %H:%M")]
            for t in (acme_t, kiwi_t)])
        acme = system.using(tenant_id=acme_t["id"])
        kiwi = system.using(tenant_id=kiwi_t["id"])

        tour.section("Units of measure",
                     "One reference unit per category; bigger/smaller units carry a factor. "
                     "Conversion rounds to the target unit and never crosses categories.")
        acme.uom_category_create("unit", "Units")
        acme.uom_category_create("weight", "Weight")
        pc = acme.uom_create("PC", "Piece", category="unit", rounding=Decimal(1))
        dz = acme.uom_create("DZ", "Dozen", category="unit", uom_type="bigger",
                             factor=Decimal(12), rounding=Decimal(1))
        kg = acme.uom_create("KG", "Kilogram", category="weight", rounding=Decimal("0.001"))
        g = acme.uom_create("G", "Gram", category="weight", uom_type="smaller",
                            factor=Decimal(1000), rounding=Decimal(1))
        tour.table("units (Acme)", ["code", "name", "type", "factor", "rounding"], [
            [u["code"], u["name"], u["uom_type"], u["factor"], u["rounding"]]
            for u in (pc, dz, kg, g)])
        conversions = [(Decimal(3), dz, pc), (Decimal(2500), g, kg), (Decimal("1.2345"), kg, g)]
        tour.table("erp.uom_convert", ["quantity", "from", "to", "result"], [
            [q, a["code"], b["code"], acme.uom_convert(q, a["id"], b["id"])]
            for q, a, b in conversions])
        tour.refused("PC → KG", lambda: acme.uom_convert(Decimal(1), pc["id"], kg["id"]))

        tour.section("Partners: a company and its contacts",
                     "Codes are unique per tenant after trim, NFKC and case folding; parent "
                     "chains cannot form cycles.")
        company = acme.partner_create("ACME", "Acme Corp", tax_id="DE811907980",
                                      address={"city": "Berlin", "country": "DE"},
                                      is_supplier=True)
        jane = acme.partner_create("JANE", "Jane Doe", kind="person", parent_id=company["id"],
                                   email="jane@acme.example")
        john = acme.partner_create("JOHN", "John Roe", kind="person", parent_id=company["id"],
                                   phone="+49 30 1234567")
        tree = Tree(f"[bold]{company['name']}[/] ({company['code']}, tax id {company['tax_id']})")
        for person in (jane, john):
            tree.add(f"{person['name']} ({person['code']}, {person['kind']})")
        console.print(tree)
        tour.refused("a second ' acme '", lambda: acme.partner_create(" acme ", "Acme again"))
        tour.refused("Acme Corp under Jane",
                     lambda: acme.partner_update(company["id"], {"parent_id": str(jane["id"])}))
        other = kiwi.partner_create("ACME", "Acme NZ")
        tour.say(f"  the other tenant may use code ACME too: {other['name']} "
                 f"({other['code']}) in Kiwi Ltd")

        tour.section("Products", "Unique SKU per tenant; a unit of the same tenant; the "
                     "purchase unit must be in the same category; prices are exact Decimals.")
        widget = acme.product_create("WIDGET", "Widget", uom_id=pc["id"],
                                     list_price=Decimal("19.90"), barcode="4006381333931")
        eggs = acme.product_create("EGGS", "Free-range eggs", uom_id=pc["id"],
                                   purchase_uom_id=dz["id"], list_price=Decimal("0.35"))
        flour = acme.product_create("FLOUR", "Flour", uom_id=kg["id"], product_type="consumable",
                                    list_price=Decimal("1.20"))
        tour.table("products (Acme)", ["sku", "name", "unit", "purchase unit", "price"], [
            [p["sku"], p["name"], acme.uom_get(p["uom_id"])["code"],
             p["purchase_uom_id"] and acme.uom_get(p["purchase_uom_id"])["code"],
             p["list_price"]] for p in (widget, eggs, flour)])
        tour.refused("purchase unit G for a PC product",
                     lambda: acme.product_create("BAD", "Bad", uom_id=pc["id"],
                                                 purchase_uom_id=g["id"]))
        tour.refused("archive DZ (EGGS are bought in it)", lambda: acme.uom_archive(dz["id"]))

        tour.section("Invoice numbers across a year boundary",
                     "Yearly reset: the period comes from the document date, so the first "
                     "number of a year is 0001 and a back-dated invoice continues last year.")
        for t in (acme, kiwi):
            t.sequence_create("INV", "Invoices", prefix="INV/{YYYY}/", padding=4,
                              reset="yearly")
        y = today.year
        dates = [dt.date(y - 1, 12, 30), dt.date(y - 1, 12, 31), dt.date(y, 1, 1),
                 dt.date(y, 1, 2), dt.date(y - 1, 12, 31)]
        rows = []
        for d in dates:
            n = acme.sequence_next("INV", d)
            rows.append([d, n["formatted"], n["period_key"], n["allocated_value"]])
        rows[-1][0] = f"{dates[-1]} (back-dated)"
        tour.table("erp.sequence_next (Acme)", ["document date", "number", "period", "value"],
                   rows)
        tour.table("erp.sequence_peek without a date: today in each tenant's zone",
                   ["tenant", "local date", "next number"], [
                       [t["name"], now.astimezone(ZoneInfo(t["timezone"])).date(),
                        c.sequence_peek("INV")["formatted"]]
                       for t, c in ((acme_t, acme), (kiwi_t, kiwi))])

        tour.section(f"{ALLOCATORS} concurrent allocators",
                     f"{ALLOCATORS} connections call sequence_next at the same moment; every "
                     f"{ROLLBACK_EVERY}th rolls back. The counter row stays locked until "
                     "commit, so a rolled-back number is handed to the next caller.")
        acme.sequence_create("SO", "Sales orders", prefix="SO-", padding=4)
        numbers, seconds = _allocate_concurrently(url, acme_t["id"], "SO")
        expected = list(range(1, len(numbers) + 1))
        tour.table("result", ["", ""], [
            ["allocators started together", ALLOCATORS],
            ["rolled back (number given back)", ALLOCATORS - len(numbers)],
            ["committed", len(numbers)],
            ["numbers issued", f"SO-{numbers[0]:04d} … SO-{numbers[-1]:04d}"],
            ["gapless", "[green]yes[/]" if numbers == expected else "[red]NO[/]"],
            ["duplicates", len(numbers) - len(set(numbers))],
            ["wall time", f"{seconds:.2f} s"]])
        if numbers != expected:
            tour.say("[red]numbering is not gapless[/]")
            return 1

        tour.section("Audit history of an entity",
                     "Every write and its event are one call: a snapshot plus the changed "
                     "fields, versions 1, 2, 3, … per entity.")
        alice = uuid.uuid4()
        as_alice = acme.using(actor_type="USER", actor_user_id=alice, trace_id="demo-req-42")
        w = as_alice.product_update(widget["id"], {"list_price": "24.50"}, expected_version=1)
        w = as_alice.product_update(w["id"], {"name": "Widget Pro"}, expected_version=2)
        tour.refused("a stale write (expected_version=2)",
                     lambda: as_alice.product_update(w["id"], {"name": "Lost update"},
                                                     expected_version=2))
        w = acme.product_archive(w["id"])
        w = acme.product_restore(w["id"], expected_version=w["version"])
        history = acme.audit_history("erp.base.product", widget["id"])
        tour.table("erp.audit_history('erp.base.product', WIDGET)",
                   ["v", "event", "actor", "trace", "changes"], [
                       [e["entity_version"], e["event_type"].rsplit(".", 1)[-1],
                        e["actor_type"] + ("" if e["actor_user_id"] is None else " alice"),
                        e["trace_id"], _changes(e["changes"])] for e in history])

        tour.section("Time travel", "erp.entity_as_of: the snapshot in force at any moment.")
        at = history[0]["created_at"]
        then = acme.entity_as_of("erp.base.product", widget["id"], at)
        current = acme.product_get(widget["id"])
        tour.table("erp.entity_as_of('erp.base.product', WIDGET, at)",
                   ["at", "name", "list_price", "version"], [
            [f"{at.isoformat(timespec='milliseconds')} (creation)", then["name"],
             then["list_price"], then["version"]],
            ["now", current["name"], current["list_price"], current["version"]]])

        tour.section("The trail is immutable and verifiable",
                     "UPDATE/DELETE/TRUNCATE of audit events fail for every role, even a "
                     "superuser; audit_verify replays every entity and checks every number.")
        try:
            conn.execute("UPDATE erp.erp_audit_events SET trace_id = 'forged' WHERE tenant_id = %s",
                         (acme_t["id"],))
        except psycopg.Error as exc:
            err = translate(exc)
            tour.say(f"  UPDATE erp.erp_audit_events refused: [yellow]{type(err).__name__}[/] "
                     f"({getattr(err, 'sqlstate', '?')})")
        else:
            tour.say("  [dim]UPDATE of the audit trail was not refused (connected as a role "
                     "without table access?)[/]")
        results = []
        for t, c in ((acme_t, acme), (kiwi_t, kiwi)):
            events = sum(1 for _ in c.iter_audit_events(page_size=1000))
            results.append([t["name"], events, len(c.audit_verify())])
        tour.table("erp.audit_verify", ["tenant", "events", "problems"], results)
        problems = sum(r[2] for r in results)

    console.print()
    if problems:
        console.print(f"[red]audit_verify found {problems} problem(s)[/]")
        return 1
    console.print(f"[bold green]demo complete in {time.perf_counter() - started:.1f} s[/] — "
                  "next: `make test`, `python -m harness stress --help`")
    return 0
