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

from erp_client.client import ErpClient
from erp_client.errors import UnknownTenant


def _tenants(conn: psycopg.Connection, tenant: str | None) -> list[tuple[uuid.UUID, str]]:
    rows = [(r["tenant_id"], r["name"]) for r in ErpClient(conn).audit_tenants()]
    if not tenant:
        return rows
    tenant_id = uuid.UUID(tenant)  # the CLI checked it is a UUID
    found = [r for r in rows if r[0] == tenant_id]
    if not found:
        raise UnknownTenant(f"tenant {tenant_id} does not exist")
    return found


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
    """A problem's detail, short. For a snapshot or replay mismatch, each differing field with
    both values; a field the event does not have at all is said so (a missing key is not a
    null: the column was added after that event, and must then hold its default)."""
    if isinstance(detail, dict) and isinstance(detail.get("fields"), dict):
        parts = []
        for name, diff in sorted(detail["fields"].items()):
            if not isinstance(diff, dict):
                parts.append(f"{name} {_j(diff)}")
            elif "in_event" in diff:
                event = _j(diff.get("event")) if diff.get("in_event") else "(no such field)"
                parts.append(f"{name} (row {_j(diff.get('row'))}, event {event})")
            elif "replayed" in diff:
                parts.append(f"{name} (replayed {_j(diff.get('replayed'))}, "
                             f"event {_j(diff.get('event'))})")
            else:
                parts.append(f"{name} {_j(diff)}")
        where = f"version {detail['version']}: " if "version" in detail else ""
        return where + "fields differing: " + ", ".join(parts)
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
