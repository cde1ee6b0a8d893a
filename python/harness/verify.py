"""``python -m harness verify``: erp.audit_verify for every tenant (or one), as a report.

audit_verify is the database's own integrity check (replay equals the row, versions 1..n,
first event is `created`, gapless numbering per sequence period); this module only runs it
and prints what it finds. Exit code 1 when any tenant has a problem.
"""

from __future__ import annotations

import json
import uuid

import psycopg
from rich.console import Console
from rich.table import Table

from harness.client import ErpClient
from harness.errors import NotFound

ALL_TENANTS = "SELECT id, name FROM erp.erp_tenants ORDER BY created_at, id"


def _tenants(conn: psycopg.Connection, tenant: str | None) -> list[tuple[uuid.UUID, str]]:
    if tenant:
        try:
            tenant_id = uuid.UUID(tenant)
        except ValueError as exc:
            raise NotFound(f"{tenant!r} is not a tenant id (a UUID)") from exc
        try:
            return [(tenant_id, ErpClient(conn, tenant_id=tenant_id).tenant_get()["name"])]
        except psycopg.errors.InsufficientPrivilege:  # erp_auditor may verify, not read tenants
            return [(tenant_id, "?")]
    try:
        return list(conn.execute(ALL_TENANTS))
    except psycopg.errors.InsufficientPrivilege as exc:
        raise PermissionError(
            "listing all tenants needs a superuser (or erp_owner member); "
            "pass --tenant <uuid> to verify one tenant with the audit functions") from exc


def problems_by_tenant(url: str, tenant: str | None = None
                       ) -> list[tuple[uuid.UUID, str, list[dict]]]:
    """[(tenant id, name, audit_verify rows)] for every tenant, or one."""
    with psycopg.connect(url, autocommit=True) as conn:
        result = []
        for tenant_id, name in _tenants(conn, tenant):
            result.append((tenant_id, name, ErpClient(conn, tenant_id=tenant_id).audit_verify()))
        return result


def _j(value: object) -> str:
    return json.dumps(value, default=str)


def describe(detail: dict | None) -> str:
    """A problem's detail, short: the differing fields of a snapshot mismatch, else JSON."""
    if isinstance(detail, dict) and isinstance(detail.get("row"), dict) \
            and isinstance(detail.get("last_event"), dict):
        row, last = detail["row"], detail["last_event"]
        fields = sorted(k for k in set(row) | set(last) if row.get(k) != last.get(k))
        return "fields differing from the last event: " + ", ".join(
            f"{k} (row {_j(row.get(k))}, event {_j(last.get(k))})" for k in fields)
    return json.dumps(detail, default=str)[:500]


def report(results: list[tuple[uuid.UUID, str, list[dict]]], console: Console) -> int:
    """Print the summary (and every problem); the number of problems found."""
    summary = Table(title="erp.audit_verify", title_justify="left")
    summary.add_column("tenant")
    summary.add_column("name")
    summary.add_column("problems", justify="right")
    summary.add_column("status")
    for tenant_id, name, problems in results:
        status = "[green]ok[/]" if not problems else "[red]FAILED[/]"
        summary.add_row(str(tenant_id), name, str(len(problems)), status)
    console.print(summary)
    total = sum(len(p) for _, _, p in results)
    if total:  # one line per problem, unwrapped: easy to read in CI logs and to grep
        for tenant_id, _, problems in results:
            for p in problems:
                console.print(f"[red]✗[/] tenant {tenant_id} {p['entity_type']} "
                              f"{p['entity_id']} [red]{p['problem']}[/] "
                              f"{describe(p['detail'])}",
                              soft_wrap=True, highlight=False)
    if not results:
        console.print("no tenants to verify")
    elif total:
        console.print(f"[red]{total} problem(s) in {sum(1 for r in results if r[2])} "
                      f"tenant(s)[/]")
    else:
        console.print(f"[green]all {len(results)} tenant(s) verified: no problems[/]")
    return total


def run(url: str, tenant: str | None = None) -> int:
    """Exit code: 0 when every tenant is sound, 1 otherwise."""
    return 1 if report(problems_by_tenant(url, tenant), Console()) else 0
