"""A small psycopg 3 client for erp.base: one method per public function, nothing else.

The database holds every rule; this module only builds the call (named notation, so argument
order never matters), passes the service context, and turns rows into dicts (or dataclasses)
and refusals into the exceptions of :mod:`erp_client.errors`::

    from decimal import Decimal
    import psycopg
    from erp_client.client import ErpClient
    from erp_client.errors import Duplicate

    with psycopg.connect(url) as conn:
        erp = ErpClient(conn, tenant_id=tenant, actor_type="USER", actor_user_id=user)
        with erp.transaction():
            kg = erp.uom_create("KG", "Kilogram", category="weight")
            erp.product_create("FLOUR-25", "Flour 25 kg", uom_id=kg["id"],
                               list_price=Decimal("19.90"))
            number = erp.sequence_next("INV")          # allocate last: the counter stays
        print(number["formatted"])                      # locked until commit

``conn_or_pool`` is a ``psycopg.Connection`` (calls run in its current transaction; the
caller commits) or a ``psycopg_pool.ConnectionPool`` (each call, or each
:meth:`ErpClient.transaction` block, takes a connection and commits when done).

Optional arguments left as ``None`` take the function's SQL default. Numbers are ``int`` or
``decimal.Decimal``; a ``float`` is refused, because psycopg would send it as ``double
precision``, which neither matches a ``numeric`` parameter nor keeps decimal values exact.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb, set_json_loads

from erp_client.errors import translate

Row = Any  # a dict, or a dataclass instance when rows="dataclass"


@dataclasses.dataclass(frozen=True)
class Context:
    """Who writes, for which tenant, under which trace id (the first four arguments)."""

    tenant_id: uuid.UUID | None = None
    actor_user_id: uuid.UUID | None = None
    actor_type: str = "SYSTEM"
    trace_id: str | None = None


# the Python class a function's rows become with rows="dataclass"
_ROW_CLASS = {
    "tenant": "Tenant", "sequence": "Sequence", "uom_category": "UomCategory", "uom": "Uom",
    "partner": "Partner", "product": "Product", "audit": "AuditEvent",
    "allocation": "Allocation", "problem": "Problem", "sales_tax": "SalesTax",
    "sales_settings": "SalesSettings", "sales_order": "SalesOrder",
}


@lru_cache(maxsize=256)
def row_class(name: str, columns: tuple[str, ...]) -> type:
    """A frozen dataclass with these fields (built once per column list)."""
    return dataclasses.make_dataclass(name, columns, frozen=True)


@lru_cache(maxsize=1024)
def _statement(fn: str, names: tuple[str, ...], shape: str) -> sql.Composed:
    args = sql.SQL(", ").join(
        sql.SQL("{} => {}").format(sql.Identifier(n), sql.Placeholder(n)) for n in names)
    call = sql.SQL("{}.{}({})").format(sql.Identifier("erp"), sql.Identifier(fn), args)
    if shape in ("value", "values"):
        return sql.SQL("SELECT {}").format(call)
    return sql.SQL("SELECT * FROM {}").format(call)


def _json_default(value: Any) -> str:
    # exact text; the database converts it to the column's type (jsonb_populate_record)
    if isinstance(value, Decimal | uuid.UUID | dt.date | dt.datetime | dt.time):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__} in JSON: {value!r}")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default)


def _loads(text: str | bytes) -> Any:
    # JSON numbers (snapshots, changes) as exact Decimals: 19.90 stays 19.90, not 19.9
    return json.loads(text, parse_float=Decimal)


def _adapt(name: str, value: Any) -> Any:
    if isinstance(value, float):
        raise TypeError(f"{name}: pass decimal.Decimal (or int), not float: {value!r}")
    if isinstance(value, dict | list):
        return Jsonb(value, dumps=_dumps)  # patches, addresses: Decimal/UUID/date as text
    return value


class ErpClient:
    """The public functions of erp.base as methods; see the module docstring."""

    def __init__(self, conn_or_pool: Any, tenant_id: uuid.UUID | None = None,
                 actor_user_id: uuid.UUID | None = None, actor_type: str = "SYSTEM",
                 trace_id: str | None = None, *, rows: str = "dict") -> None:
        if rows not in ("dict", "dataclass"):
            raise ValueError("rows is 'dict' or 'dataclass'")
        self.source = conn_or_pool
        self.context = Context(tenant_id, actor_user_id, actor_type, trace_id)
        self.rows = rows

    def using(self, **context: Any) -> ErpClient:
        """The same client with some of tenant_id, actor_user_id, actor_type, trace_id changed."""
        clone = ErpClient.__new__(ErpClient)
        clone.source, clone.rows = self.source, self.rows
        clone.context = dataclasses.replace(self.context, **context)
        return clone

    @contextlib.contextmanager
    def transaction(self) -> Iterator[ErpClient]:
        """One database transaction for the block: commit at the end, roll back on error."""
        if isinstance(self.source, psycopg.Connection):
            with self.source.transaction():
                yield self
            return
        with self.source.connection() as conn:  # a pool: pin one connection for the block
            pinned = self.using()
            pinned.source = conn
            with conn.transaction():
                yield pinned

    # ---- the one place that talks to the database -----------------------------------------
    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        if isinstance(self.source, psycopg.Connection):
            yield self.source
        else:
            with self.source.connection() as conn:
                yield conn

    def _call(self, fn: str, shape: str, kind: str | None, args: dict[str, Any],
              optional: dict[str, Any] | None = None, context: str = "tenant") -> Any:
        """Call ``erp.<fn>``: ``args`` always, ``optional`` when not None; named notation.

        ``context`` is "write" (tenant + actor + trace), "tenant" (tenant only), "actor"
        (actor + trace, installation-wide writes) or "none".
        ``shape`` is "row", "rows", "value" or "values".
        """
        params: dict[str, Any] = {}
        if context not in ("none", "actor"):
            if self.context.tenant_id is None:
                raise ValueError(f"{fn}: no tenant_id; pass tenant_id= or use client.using()")
            params["p_tenant_id"] = self.context.tenant_id
        if context in ("write", "actor"):
            params["p_actor_user_id"] = self.context.actor_user_id
            params["p_actor_type"] = self.context.actor_type
            params["p_trace_id"] = self.context.trace_id
        for key, value in args.items():
            params[f"p_{key}"] = _adapt(key, value)
        for key, value in (optional or {}).items():
            if value is not None:
                params[f"p_{key}"] = _adapt(key, value)
        query = _statement(fn, tuple(params), shape)
        try:
            with self._connection() as conn, conn.cursor(row_factory=dict_row) as cur:
                set_json_loads(_loads, cur)
                cur.execute(query, params)
                result = cur.fetchall()
        except psycopg.Error as exc:
            err = translate(exc)
            if err is exc:
                raise
            raise err from exc
        if shape in ("value", "values"):
            values = [next(iter(r.values())) for r in result]
            return values if shape == "values" else (values[0] if values else None)
        rows = [self._row(kind, r) for r in result]
        return rows if shape == "rows" else (rows[0] if rows else None)

    def _row(self, kind: str | None, row: dict[str, Any]) -> Row:
        if self.rows == "dict" or kind is None:
            return row
        return row_class(_ROW_CLASS[kind], tuple(row))(**row)

    # ---- tenants ----------------------------------------------------------------------------
    def tenant_create(self, name: str, timezone: str | None = None, *,
                      tenant_id: uuid.UUID | None = None) -> Row:
        """Create a tenant (id: ``tenant_id``, else the client's, else a new uuid4)."""
        new_id = tenant_id or self.context.tenant_id or uuid.uuid4()
        return self.using(tenant_id=new_id)._call(
            "tenant_create", "row", "tenant", {"name": name}, {"timezone": timezone}, "write")

    def tenant_get(self) -> Row:
        return self._call("tenant_get", "row", "tenant", {})

    # ---- sequences --------------------------------------------------------------------------
    def sequence_create(self, code: str, name: str, prefix: str | None = None,
                        suffix: str | None = None, padding: int | None = None,
                        step: int | None = None, start_value: int | None = None,
                        reset: str | None = None) -> Row:
        return self._call("sequence_create", "row", "sequence", {"code": code, "name": name},
                          {"prefix": prefix, "suffix": suffix, "padding": padding, "step": step,
                           "start_value": start_value, "reset": reset}, "write")

    def sequence_update(self, id: uuid.UUID, patch: dict[str, Any],
                        expected_version: int | None = None) -> Row:
        return self._update("sequence", id, patch, expected_version)

    def sequence_get(self, id: uuid.UUID) -> Row:
        return self._call("sequence_get", "row", "sequence", {"id": id})

    def sequence_list(self) -> list[Row]:
        return self._call("sequence_list", "rows", "sequence", {})

    def sequence_next(self, code: str, document_date: dt.date | None = None) -> Row:
        """Allocate the next gapless number; it is final when the caller's transaction commits."""
        return self._call("sequence_next", "row", "allocation", {"code": code},
                          {"document_date": document_date}, "write")

    def sequence_next_batch(self, code: str, count: int,
                            document_date: dt.date | None = None) -> list[Row]:
        return self._call("sequence_next_batch", "rows", "allocation",
                          {"code": code, "count": count}, {"document_date": document_date},
                          "write")

    def sequence_next_at_commit(self, code: str, entity_type: str, entity_id: uuid.UUID,
                                document_date: dt.date | None = None) -> None:
        """Ask for a number for a document row, allocated and written into its ``number``
        column when the transaction commits (the counter row is locked for the commit only)."""
        self._call("sequence_next_at_commit", "value", None,
                   {"code": code, "entity_type": entity_type, "entity_id": entity_id},
                   {"document_date": document_date}, "write")

    def sequence_peek(self, code: str, document_date: dt.date | None = None) -> Row:
        """The number sequence_next would allocate now (display only, not a reservation)."""
        return self._call("sequence_peek", "row", "allocation", {"code": code},
                          {"document_date": document_date})

    # ---- units of measure -------------------------------------------------------------------
    def uom_category_create(self, code: str, name: str) -> Row:
        return self._call("uom_category_create", "row", "uom_category",
                          {"code": code, "name": name}, None, "write")

    def uom_category_list(self) -> list[Row]:
        return self._call("uom_category_list", "rows", "uom_category", {})

    def uom_create(self, code: str, name: str, category: str, uom_type: str | None = None,
                   factor: Decimal | int | None = None,
                   rounding: Decimal | int | None = None) -> Row:
        """``category`` is the category's code; ``uom_type`` reference | bigger | smaller."""
        return self._call("uom_create", "row", "uom",
                          {"code": code, "name": name, "category": category},
                          {"uom_type": uom_type, "factor": factor, "rounding": rounding},
                          "write")

    def uom_update(self, id: uuid.UUID, patch: dict[str, Any],
                   expected_version: int | None = None) -> Row:
        return self._update("uom", id, patch, expected_version)

    def uom_archive(self, id: uuid.UUID, expected_version: int | None = None) -> Row:
        return self._flip("uom_archive", "uom", id, expected_version)

    def uom_restore(self, id: uuid.UUID, expected_version: int | None = None) -> Row:
        return self._flip("uom_restore", "uom", id, expected_version)

    def uom_get(self, id: uuid.UUID) -> Row:
        return self._call("uom_get", "row", "uom", {"id": id})

    def uom_list(self, include_archived: bool | None = None,
                 category: str | None = None) -> list[Row]:
        return self._call("uom_list", "rows", "uom", {},
                          {"include_archived": include_archived, "category": category})

    def uom_convert(self, qty: Decimal | int, from_uom_id: uuid.UUID, to_uom_id: uuid.UUID,
                    rounding_method: str | None = None) -> Decimal:
        return self._call("uom_convert", "value", None,
                          {"qty": qty, "from_uom_id": from_uom_id, "to_uom_id": to_uom_id},
                          {"rounding_method": rounding_method})

    # ---- partners ---------------------------------------------------------------------------
    def partner_create(self, code: str, name: str, kind: str | None = None,
                       parent_id: uuid.UUID | None = None, email: str | None = None,
                       phone: str | None = None, tax_id: str | None = None,
                       address: dict[str, Any] | None = None, is_customer: bool | None = None,
                       is_supplier: bool | None = None) -> Row:
        """``kind`` company | person; a person may belong to a company (``parent_id``)."""
        return self._call("partner_create", "row", "partner", {"code": code, "name": name},
                          {"kind": kind, "parent_id": parent_id, "email": email, "phone": phone,
                           "tax_id": tax_id, "address": address, "is_customer": is_customer,
                           "is_supplier": is_supplier}, "write")

    def partner_update(self, id: uuid.UUID, patch: dict[str, Any],
                       expected_version: int | None = None) -> Row:
        return self._update("partner", id, patch, expected_version)

    def partner_archive(self, id: uuid.UUID, expected_version: int | None = None) -> Row:
        return self._flip("partner_archive", "partner", id, expected_version)

    def partner_restore(self, id: uuid.UUID, expected_version: int | None = None) -> Row:
        return self._flip("partner_restore", "partner", id, expected_version)

    def partner_get(self, id: uuid.UUID) -> Row:
        return self._call("partner_get", "row", "partner", {"id": id})

    def partner_list(self, include_archived: bool | None = None, kind: str | None = None,
                     parent_id: uuid.UUID | None = None, is_customer: bool | None = None,
                     is_supplier: bool | None = None) -> list[Row]:
        return self._call("partner_list", "rows", "partner", {},
                          {"include_archived": include_archived, "kind": kind,
                           "parent_id": parent_id, "is_customer": is_customer,
                           "is_supplier": is_supplier})

    # ---- products ---------------------------------------------------------------------------
    def product_create(self, sku: str, name: str, uom_id: uuid.UUID,
                       product_type: str | None = None,
                       list_price: Decimal | int | None = None, barcode: str | None = None,
                       purchase_uom_id: uuid.UUID | None = None) -> Row:
        return self._call("product_create", "row", "product",
                          {"sku": sku, "name": name, "uom_id": uom_id},
                          {"product_type": product_type, "list_price": list_price,
                           "barcode": barcode, "purchase_uom_id": purchase_uom_id}, "write")

    def product_update(self, id: uuid.UUID, patch: dict[str, Any],
                       expected_version: int | None = None) -> Row:
        return self._update("product", id, patch, expected_version)

    def product_archive(self, id: uuid.UUID, expected_version: int | None = None) -> Row:
        return self._flip("product_archive", "product", id, expected_version)

    def product_restore(self, id: uuid.UUID, expected_version: int | None = None) -> Row:
        return self._flip("product_restore", "product", id, expected_version)

    def product_get(self, id: uuid.UUID) -> Row:
        return self._call("product_get", "row", "product", {"id": id})

    def product_list(self, include_archived: bool | None = None, uom_id: uuid.UUID | None = None,
                     product_type: str | None = None) -> list[Row]:
        return self._call("product_list", "rows", "product", {},
                          {"include_archived": include_archived, "uom_id": uom_id,
                           "product_type": product_type})

    # ---- sales (module sales) ---------------------------------------------------------------
    def sales_tax_create(self, code: str, name: str, rate: Decimal | int,
                         price_include: bool | None = None) -> Row:
        """A tax of ``rate`` percent; ``price_include`` when prices already contain it."""
        return self._call("sales_tax_create", "row", "sales_tax",
                          {"code": code, "name": name, "rate": rate},
                          {"price_include": price_include}, "write")

    def sales_tax_update(self, id: uuid.UUID, patch: dict[str, Any],
                         expected_version: int | None = None) -> Row:
        return self._update("sales_tax", id, patch, expected_version)

    def sales_tax_archive(self, id: uuid.UUID, expected_version: int | None = None) -> Row:
        return self._flip("sales_tax_archive", "sales_tax", id, expected_version)

    def sales_tax_restore(self, id: uuid.UUID, expected_version: int | None = None) -> Row:
        return self._flip("sales_tax_restore", "sales_tax", id, expected_version)

    def sales_tax_get(self, id: uuid.UUID) -> Row:
        return self._call("sales_tax_get", "row", "sales_tax", {"id": id})

    def sales_tax_list(self, include_archived: bool | None = None) -> list[Row]:
        return self._call("sales_tax_list", "rows", "sales_tax", {},
                          {"include_archived": include_archived})

    def sales_settings_get(self) -> Row:
        return self._call("sales_settings_get", "row", "sales_settings", {})

    def sales_settings_set(self, patch: dict[str, Any]) -> Row:
        """``default_currency``, ``tax_rounding`` (per_line | global), ``order_sequence_code``."""
        return self._call("sales_settings_set", "row", "sales_settings", {"patch": patch}, None,
                          "write")

    def sales_order_create(self, partner_id: uuid.UUID, order_date: dt.date | None = None,
                           currency: str | None = None, lines: list[dict[str, Any]] | None = None,
                           note: str | None = None) -> dict:
        """A draft order with its lines (``{"product_id", "quantity", ...}``); the order JSON."""
        return self._call("sales_order_create", "value", None, {"partner_id": partner_id},
                          {"order_date": order_date, "currency": currency, "lines": lines,
                           "note": note}, "write")

    def sales_order_update(self, order_id: uuid.UUID, patch: dict[str, Any],
                           expected_version: int | None = None) -> dict:
        return self._order("sales_order_update", {"order_id": order_id, "patch": patch},
                           expected_version)

    def sales_order_line_add(self, order_id: uuid.UUID, line: dict[str, Any],
                             expected_version: int | None = None) -> dict:
        """``expected_version`` is the order's, as for every line change."""
        return self._order("sales_order_line_add", {"order_id": order_id, "line": line},
                           expected_version)

    def sales_order_line_update(self, line_id: uuid.UUID, patch: dict[str, Any],
                                expected_version: int | None = None) -> dict:
        return self._order("sales_order_line_update", {"line_id": line_id, "patch": patch},
                           expected_version)

    def sales_order_line_remove(self, line_id: uuid.UUID,
                                expected_version: int | None = None) -> dict:
        return self._order("sales_order_line_remove", {"line_id": line_id}, expected_version)

    def sales_order_confirm(self, order_id: uuid.UUID,
                            expected_version: int | None = None) -> dict:
        """Confirmed now; the number is written when the transaction commits."""
        return self._order("sales_order_confirm", {"order_id": order_id}, expected_version)

    def sales_order_cancel(self, order_id: uuid.UUID,
                           expected_version: int | None = None) -> dict:
        return self._order("sales_order_cancel", {"order_id": order_id}, expected_version)

    def sales_order_get(self, order_id: uuid.UUID) -> dict:
        return self._call("sales_order_get", "value", None, {"order_id": order_id})

    def sales_order_list(self, state: str | None = None, partner_id: uuid.UUID | None = None,
                         after: uuid.UUID | None = None, limit: int | None = None) -> list[Row]:
        return self._call("sales_order_list", "rows", "sales_order", {},
                          {"state": state, "partner_id": partner_id, "after": after,
                           "limit": limit})

    # ---- generic audited writers (module authors) ---------------------------------------
    def atomic_insert_with_audit(self, entity_type: str, values: dict[str, Any]) -> dict:
        return self._call("atomic_insert_with_audit", "value", None,
                          {"entity_type": entity_type, "values": values}, None, "write")

    def atomic_insert_many_with_audit(self, entity_type: str,
                                      rows: list[dict[str, Any]]) -> list[dict]:
        return self._call("atomic_insert_many_with_audit", "values", None,
                          {"entity_type": entity_type, "rows": rows}, None, "write")

    def atomic_update_with_audit(self, entity_type: str, id: uuid.UUID, patch: dict[str, Any],
                                 expected_version: int | None = None,
                                 event: str | None = None) -> dict:
        return self._call("atomic_update_with_audit", "value", None,
                          {"entity_type": entity_type, "id": id, "patch": patch},
                          {"expected_version": expected_version, "event": event}, "write")

    # ---- audit ------------------------------------------------------------------------------
    def audit_history(self, entity_type: str, entity_id: uuid.UUID) -> list[Row]:
        return self._call("audit_history", "rows", "audit",
                          {"entity_type": entity_type, "entity_id": entity_id})

    def audit_events(self, from_: dt.datetime | None = None, to: dt.datetime | None = None,
                     entity_type: str | None = None, event_type: str | None = None,
                     actor_user_id: uuid.UUID | None = None, trace_id: str | None = None,
                     after: uuid.UUID | None = None, limit: int | None = None) -> list[Row]:
        """One page, oldest first; pass the last event's id as ``after`` for the next page."""
        return self._call("audit_events", "rows", "audit", {},
                          {"from": from_, "to": to, "entity_type": entity_type,
                           "event_type": event_type, "actor_user_id": actor_user_id,
                           "trace_id": trace_id, "after": after, "limit": limit})

    def iter_audit_events(self, page_size: int = 1000, **filters: Any) -> Iterator[Row]:
        """Every matching event, oldest first, fetched page by page (keyset pagination)."""
        after = None
        while True:
            page = self.audit_events(after=after, limit=page_size, **filters)
            yield from page
            if len(page) < page_size:
                return
            last = page[-1]
            after = last["id"] if isinstance(last, dict) else last.id

    def entity_as_of(self, entity_type: str, entity_id: uuid.UUID,
                     at: dt.datetime) -> dict | None:
        """The entity's snapshot in force at ``at`` (None before it was created)."""
        return self._call("entity_as_of", "value", None,
                          {"entity_type": entity_type, "entity_id": entity_id, "at": at})

    def audit_verify(self) -> list[Row]:
        """One row per integrity problem of the tenant; an empty list when it is sound."""
        return self._call("audit_verify", "rows", "problem", {})

    def audit_feed(self, after: str | None = None, limit: int | None = None) -> list[Row]:
        """Committed events after a feed position, exactly once, in commit-safe order: keep the
        last row's ``position`` and pass it as ``after`` to resume."""
        return self._call("audit_feed", "rows", None, {}, {"after": after, "limit": limit})

    def audit_feed_lag(self) -> Row:
        """How far the feed is held back by open transactions."""
        return self._call("audit_feed_lag", "row", None, {})

    def audit_seal(self, all_tenants: bool = False) -> list[Row]:
        """Seal the tenant's committed events (every tenant's with ``all_tenants``)."""
        if all_tenants:
            return self._call("audit_seal", "rows", None, {}, {}, "none")
        return self._call("audit_seal", "rows", None, {})

    def audit_seal_verify(self, expected_head: str | None = None) -> list[Row]:
        """Problems of the tenant's seal chain against the trail (and against a head kept
        outside, ``"<block_no>:<hash>"``); empty when intact."""
        return self._call("audit_seal_verify", "rows", None, {}, {"expected_head": expected_head})

    def audit_seal_head(self) -> Row | None:
        """The end of the tenant's seal chain: hand it to an auditor, compare it later."""
        return self._call("audit_seal_head", "row", None, {})

    # ---- installation-wide (no tenant): partitions, retention ------------------------------
    def audit_restored(self) -> Row:
        """The one step after a logical restore into another cluster: records a new era."""
        return self._call("audit_restored", "row", None, {}, None, "actor")

    def audit_tenants(self) -> list[Row]:
        return self._call("audit_tenants", "rows", None, {}, None, "none")

    def audit_partitions(self) -> list[Row]:
        return self._call("audit_partitions", "rows", None, {}, None, "none")

    def audit_subscriber_ddl(self) -> str:
        """The CREATE TABLE a subscriber of the publication erp_audit runs first."""
        return self._call("audit_subscriber_ddl", "value", None, {}, None, "none")

    def audit_maintain(self, months_ahead: int | None = None) -> list[Row]:
        return self._call("audit_maintain", "rows", None, {}, {"months_ahead": months_ahead},
                          "none")

    def audit_month_digest(self, month: dt.date) -> Row:
        return self._call("audit_month_digest", "row", None, {"month": month}, None, "none")

    def audit_month_export(self, month: dt.date) -> list[str]:
        return self._call("audit_month_export", "values", None, {"month": month}, None, "none")

    def audit_archive_record(self, month: dt.date, events: int, sha256: str,
                             location: str) -> Row:
        return self._call("audit_archive_record", "row", None,
                          {"month": month, "events": events, "sha256": sha256,
                           "location": location}, None, "actor")

    def audit_purge(self, month: dt.date) -> list[Row]:
        return self._call("audit_purge", "rows", None, {"month": month}, None, "actor")

    def audit_archive_check(self, month: dt.date, events: int, sha256: str) -> list[Row]:
        """An archive's count and digest against the recorded archives and the seal."""
        return self._call("audit_archive_check", "rows", None,
                          {"month": month, "events": events, "sha256": sha256}, None, "none")

    def audit_retention_set(self, months: int) -> int:
        """The owner only: change the retention period; returns the previous one."""
        return self._call("audit_retention_set", "value", None, {"months": months}, None, "actor")

    # ---- shared shapes ----------------------------------------------------------------------
    def _update(self, entity: str, id: uuid.UUID, patch: dict[str, Any],
                expected_version: int | None) -> Row:
        return self._call(f"{entity}_update", "row", entity, {"id": id, "patch": patch},
                          {"expected_version": expected_version}, "write")

    def _flip(self, fn: str, entity: str, id: uuid.UUID, expected_version: int | None) -> Row:
        return self._call(fn, "row", entity, {"id": id},
                          {"expected_version": expected_version}, "write")

    def _order(self, fn: str, args: dict[str, Any], expected_version: int | None) -> dict:
        return self._call(fn, "value", None, args, {"expected_version": expected_version},
                          "write")
