"""``make demo``: a guided tour of erp.base in a few seconds.

Every step calls the stored functions through :class:`erp_client.ErpClient` and prints
what the database answered. Tenants get new ids on every run, so the demo can be repeated
on the same database.

On an existing server (``DATABASE_URL``) the demo fits the server: the concurrent-allocator
step opens at most ``ALLOCATORS`` connections, fewer when the server's connection budget
(``max_connections`` minus the reserved slots and the connections already open, see
:func:`harness.testing.measure_connections`) leaves less, keeping ``SPARE_CONNECTIONS`` free for
other clients, and it says so; with no room for two allocators it skips that step, saying why.

On a server of your own (``DATABASE_URL`` or ``--database-url``) the demo works in a database of
its own, ``erp_demo_<pid>_<time>``, created from ``template0`` (UTF-8) and dropped at the end,
also after a failure or Ctrl-C: nothing it writes stays, and the database named in the URL is
only used to connect (the login needs ``CREATEDB``). The erp roles are cluster-wide: the demo's
install creates them when they do not exist yet, like any install. ``--in-place`` runs it in
the given database itself instead, which then keeps the demo's tenants and has its functions
re-applied (its migrations too, when some are pending).

What "cleans up after a failure" means: tenants, their master data and their audit events
cannot be deleted (the trail is immutable, for the demo too), so the demo never tries. It
creates new tenants with fresh ids and names carrying a run id on every run, so a run that
fails midway leaves only inert, self-contained tenant data that nothing else sees and that a
re-run never collides with. What it does guarantee on any failure (a refused call, a lost
connection, "too many clients" because another client took the slots): every connection it
opened is closed and every thread it started has ended before it returns, and it prints one
clear line naming the step that failed and the error, then exits 1. On the throwaway cluster
(no ``DATABASE_URL``) the whole cluster is removed anyway.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from erp_client.client import ErpClient
from erp_client.errors import ErpError, translate
from erp_ops import migrate
from harness import testing

ALLOCATORS = 100
ROLLBACK_EVERY = 5  # every fifth allocator rolls back: its number goes to someone else
SPARE_CONNECTIONS = 5  # left free for other clients of a shared server
MIN_ALLOCATORS = 2  # fewer cannot show anything concurrent: the step is skipped
APPLICATION_NAME = "erp-demo"  # in pg_stat_activity, for the DBA (and the tests)


class Tour:
    def __init__(self, url: str, console: Console) -> None:
        self.url = url
        self.console = console
        self.step = 0
        self.title = "start"

    def section(self, title: str, why: str) -> None:
        self.step += 1
        self.title = title
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


def allocators_for(budget: testing.ConnectionBudget) -> int:
    """How many concurrent allocators the server has room for: ``ALLOCATORS``, fewer when its
    budget minus ``SPARE_CONNECTIONS`` is smaller, 0 when not even ``MIN_ALLOCATORS`` fit."""
    fit = min(ALLOCATORS, budget.available - SPARE_CONNECTIONS)
    return fit if fit >= MIN_ALLOCATORS else 0


def _allocate_concurrently(url: str, tenant: uuid.UUID, code: str,
                           allocators: int) -> tuple[list[int], float]:
    """``allocators`` threads, one connection each, released together; returns the committed
    numbers. Whatever fails (a connection refused, an allocation), every connection opened
    here is closed and every thread started here has ended when this returns or raises."""
    conns: list[psycopg.Connection] = []
    threads: list[threading.Thread] = []
    barrier = threading.Barrier(allocators, timeout=60)
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
            barrier.abort()  # nobody waits for an allocator that is gone
            with lock:
                failures.append(exc)
        finally:
            conn.close()

    started = time.perf_counter()
    try:
        for _ in range(allocators):
            conns.append(psycopg.connect(url, application_name=APPLICATION_NAME,
                                         connect_timeout=30))
        threads = [threading.Thread(target=allocator, args=(i, c), name=f"demo-allocator-{i}")
                   for i, c in enumerate(conns)]
        for t in threads:
            t.start()
    finally:
        if len(threads) < allocators:  # not all started: release the ones waiting
            barrier.abort()
        for t in threads:
            t.join()
        for c in conns:
            c.close()
    if failures:  # the first real error, not the broken barrier it caused in the others
        real = [f for f in failures if not isinstance(f, threading.BrokenBarrierError)]
        raise (real or failures)[0]
    return sorted(committed), time.perf_counter() - started


@contextlib.contextmanager
def own_database(url: str, console: Console) -> Iterator[str]:
    """A new UTF-8 database on ``url``'s server for the demo, dropped when it ends (with
    ``FORCE``: the demo's connections are closed by then, a stray one is not kept alive)."""
    dbname = f"erp_demo_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' LOCALE 'C.UTF-8' "
                                 "TEMPLATE template0").format(sql.Identifier(dbname)))
        except psycopg.errors.InsufficientPrivilege as exc:
            raise DemoDatabaseError(
                f"the demo creates a database of its own and {conn.info.user} may not "
                "(CREATEDB); give the login CREATEDB, or run it in this database with "
                "--in-place (which keeps the demo's tenants there)") from exc
    console.print(f"[dim]demo database {dbname} on this server (dropped at the end; "
                  f"--in-place: use the given database)[/]", highlight=False)
    try:
        # a throwaway database of this deployment, dropped below: it shares the cluster's
        # roles on purpose (the install refuses a second erp.base database otherwise)
        options = conninfo_to_dict(url).get("options") or ""
        yield make_conninfo(url, dbname=dbname,
                            options=f"{options} -c {migrate.ALLOW_SHARED_ROLES}=on".strip())
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(dbname)))
        console.print(f"[dim]dropped demo database {dbname}[/]", highlight=False)


class DemoDatabaseError(RuntimeError):
    """The demo could not create its own database."""


def run_on_server(url: str, in_place: bool = False, console: Console | None = None) -> int:
    """The tour on a server the caller named: in a database of its own (created and dropped)
    unless ``in_place``."""
    console = console or Console()
    if in_place:
        return run(url, console)
    with own_database(url, console) as demo_url:
        return run(demo_url, console)


def run(url: str, console: Console | None = None) -> int:
    """The tour; 0 when every step did what it shows, 1 when a step failed (one line names
    the step and the error; no connection or thread of the demo is left behind)."""
    console = console or Console()
    tour = Tour(url, console)
    try:
        return _tour(tour, url, console)
    except Exception as exc:  # noqa: BLE001 (any failure: one clear line, exit code 1)
        state = getattr(exc, "sqlstate", None)
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        console.print()
        console.print(f"[bold red]demo failed in step {tour.step} ({tour.title}):[/] "
                      f"{type(exc).__name__}: {text}"
                      + (f" [{state}]" if state and f"[{state}]" not in text else ""),
                      highlight=False, soft_wrap=True)
        console.print("[dim]Every connection and thread of the demo has been closed. The "
                      "tenants created so far stay (audit data is immutable); a re-run "
                      "creates new ones.[/]")
        return 1


def _tour(tour: Tour, url: str, console: Console) -> int:
    started = time.perf_counter()
    suffix = uuid.uuid4().hex[:4]
    today = dt.date.today()

    tour.section("Migrate", "Ordered, checksummed migrations; then every function is re-applied.")
    applied = migrate.migrate(url, log=lambda *_: None)
    tour.say(f"applied {len(applied)} migration(s), re-applied "
             f"{len(migrate.function_files())} function files"
             if applied else "schema already up to date; functions re-applied")

    with psycopg.connect(url, autocommit=True, application_name=APPLICATION_NAME) as conn:
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

        budget = testing.measure_connections(url)
        allocators = allocators_for(budget)
        tour.section(f"{allocators} concurrent allocators" if allocators
                     else "Concurrent allocators",
                     f"{allocators or ALLOCATORS} connections call sequence_next at the same "
                     f"moment; every {ROLLBACK_EVERY}th rolls back. The counter row stays "
                     "locked until commit, so a rolled-back number is handed to the next "
                     "caller.")
        if not allocators:
            tour.say(f"  [yellow]skipped: needs {MIN_ALLOCATORS + SPARE_CONNECTIONS} "
                     f"connections ({MIN_ALLOCATORS} allocators, {SPARE_CONNECTIONS} left for "
                     f"others), the server allows {budget.available} "
                     f"({budget.describe()})[/]")
        else:
            if allocators < ALLOCATORS:
                tour.say(f"  [yellow]{allocators} allocators instead of {ALLOCATORS}: the "
                         f"server allows {budget.available} more connections "
                         f"({budget.describe()}), and {SPARE_CONNECTIONS} stay free for "
                         "others[/]")
            acme.sequence_create("SO", "Sales orders", prefix="SO-", padding=4)
            numbers, seconds = _allocate_concurrently(url, acme_t["id"], "SO", allocators)
            expected = list(range(1, len(numbers) + 1))
            tour.table("result", ["", ""], [
                ["allocators started together", allocators],
                ["rolled back (number given back)", allocators - len(numbers)],
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
                  "next: `make test`, `.venv/bin/erp-harness stress --help`")
    return 0
