"""One exception class per documented SQLSTATE, so Python callers never parse messages.

Every refusal of an ``erp`` function carries a ``ZE0xx`` SQLSTATE (DESIGN.md, "Errors");
:func:`translate` turns the psycopg error into the matching :class:`ErpError` subclass and
keeps the server's message, DETAIL and HINT::

    try:
        client.uom_create("KG", "Kilogram", "weight")
    except Duplicate as exc:
        print(exc.sqlstate, exc.hint)

Errors that are not refusals (connection lost, syntax errors, permission denied, ...) stay
psycopg errors: they mean something else went wrong.
"""

from __future__ import annotations

import psycopg


class ErpError(Exception):
    """A documented refusal of an erp.base function (SQLSTATE ``ZE...``)."""

    sqlstate: str = "ZE000"

    def __init__(self, message: str, *, sqlstate: str | None = None, detail: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if sqlstate is not None:
            self.sqlstate = sqlstate
        self.detail = detail
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.message} [{self.sqlstate}]"
        if self.detail:
            text += f"; {self.detail}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class NotFound(ErpError):
    """ZE001: not found in this tenant (ids of another tenant are not found too)."""

    sqlstate = "ZE001"


class Duplicate(ErpError):
    """ZE002: duplicate code, SKU, barcode or tax id in this tenant."""

    sqlstate = "ZE002"


class InvalidInput(ErpError):
    """ZE003: a bad value, enum, entity type, patch key, NaN or empty code."""

    sqlstate = "ZE003"


class VersionConflict(ErpError):
    """ZE004: ``expected_version`` does not match the row's version (someone else wrote)."""

    sqlstate = "ZE004"


class InUse(ErpError):
    """ZE005: archiving a record that active records still reference."""

    sqlstate = "ZE005"


class UnknownTenant(ErpError):
    """ZE006: the tenant does not exist or is inactive."""

    sqlstate = "ZE006"


class AuditImmutable(ErpError):
    """ZE007: audit events cannot be updated, deleted or truncated."""

    sqlstate = "ZE007"


class InvalidActor(ErpError):
    """ZE008: unknown actor type, USER without a user id, or an over-long trace id."""

    sqlstate = "ZE008"


class InvalidOperation(ErpError):
    """ZE009: an operation the data forbids (conversion across categories, parent cycle...)."""

    sqlstate = "ZE009"


class InsufficientStock(ErpError):
    """ZE010: not enough stock (DETAIL: product, location, available, requested)."""

    sqlstate = "ZE010"


BY_SQLSTATE: dict[str, type[ErpError]] = {
    cls.sqlstate: cls
    for cls in (NotFound, Duplicate, InvalidInput, VersionConflict, InUse, UnknownTenant,
                AuditImmutable, InvalidActor, InvalidOperation, InsufficientStock)
}


def translate(exc: BaseException) -> BaseException:
    """The :class:`ErpError` for a psycopg error with a ``ZE...`` SQLSTATE, else ``exc``.

    Unknown ``ZE`` codes (a newer module) become a plain :class:`ErpError`.
    """
    state = getattr(exc, "sqlstate", None)
    if not isinstance(exc, psycopg.Error) or not state or not state.startswith("ZE"):
        return exc
    diag = exc.diag
    cls = BY_SQLSTATE.get(state, ErpError)
    return cls(diag.message_primary or str(exc).strip(), sqlstate=state,
               detail=diag.message_detail, hint=diag.message_hint)
