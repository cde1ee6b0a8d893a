"""docs/reference.md, generated from the catalog of an installed database.

Every public function (schema ``erp``, executable by ``erp_app``, ``erp_auditor``,
``erp_admin`` or ``erp_replicator``) with its arguments (name, type, default), its result, the
roles that may call it, its ``COMMENT ON FUNCTION`` and the SQLSTATEs it can raise.

The SQLSTATEs are derived, not kept by hand: every ``ERRCODE = '…'`` in the function's body and
in the bodies of the ``erp``/``erp_meta`` functions it calls, transitively (the generated
writers included, as the catalog holds them). PostgreSQL's own codes that no body raises
(``42501`` for a role that lacks the grant, ``22P02`` for a value the driver cannot convert)
are described once in the document's head, not per function.

``erp-harness reference`` writes the file; ``--check`` (and ``test_reference.py``) compares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from erp_ops import generated, migrate

OUTPUT = migrate.ROOT / "docs" / "reference.md"
FUNCTIONS = migrate.ROOT / "sql" / "base" / "functions"
ROLES = ("erp_app", "erp_auditor", "erp_admin", "erp_replicator")
ERRCODE_RE = re.compile(r"ERRCODE\s*=\s*'([0-9A-Z]{5})'", re.I)
CALL_RE = re.compile(r"\b(erp|erp_meta)\.([a-z_][a-z0-9_]*)\s*\(", re.I)

CATALOG = """
SELECT p.oid, n.nspname, p.proname, p.prosrc,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity,
       pg_catalog.pg_get_function_result(p.oid) AS result,
       pg_catalog.obj_description(p.oid, 'pg_proc') AS comment,
       coalesce(p.proargnames, ARRAY[]::text[]) AS argnames,
       coalesce(p.proargmodes::text[], ARRAY[]::text[]) AS argmodes,
       coalesce((SELECT array_agg(pg_catalog.format_type(t.typ, NULL) ORDER BY t.ord)
                 FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]))
                      WITH ORDINALITY AS t (typ, ord)), ARRAY[]::text[]) AS argtypes,
       p.pronargs, p.pronargdefaults,
       ARRAY(SELECT r FROM unnest(%(roles)s::text[]) AS r
             WHERE pg_catalog.has_function_privilege(r, p.oid, 'EXECUTE')) AS roles
FROM pg_catalog.pg_proc AS p
JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
WHERE n.nspname IN ('erp', 'erp_meta') AND p.prokind IN ('f', 'p')
ORDER BY n.nspname, p.proname, identity
"""


@dataclass
class Function:
    schema: str
    name: str
    identity: str
    result: str
    comment: str
    args: list[tuple[str, str, str | None]]  # name, type, default
    roles: list[str]
    source: str
    sqlstates: list[str]


def _arguments(oid: int, names: list[str], modes: list[str], types: list[str], nargs: int,
               ndefaults: int, conn: psycopg.Connection) -> list[tuple[str, str, str | None]]:
    """Input arguments with their defaults (the last ``ndefaults`` inputs have one)."""
    modes = modes or ["i"] * len(types)
    inputs = [(names[k] if k < len(names) else f"${k + 1}", types[k])
              for k in range(len(types)) if modes[k] in ("i", "b", "v")]
    defaults: list[str | None] = [None] * len(inputs)
    if ndefaults:
        row = conn.execute("SELECT pg_catalog.pg_get_expr(proargdefaults, 0) FROM "
                           "pg_catalog.pg_proc WHERE oid = %s", (oid,)).fetchone()
        exprs = generated.split_arguments(row[0]) if row and row[0] else []
        for k, expr in enumerate(exprs):
            defaults[nargs - len(exprs) + k] = expr
    return [(n, t, d) for (n, t), d in zip(inputs, defaults, strict=True)]


def functions(conn: psycopg.Connection) -> list[Function]:
    """The public functions, each with the SQLSTATEs of its call closure."""
    rows = conn.execute(CATALOG, {"roles": list(ROLES)}).fetchall()
    bodies: dict[str, list[str]] = {}  # "schema.name" -> bodies of every overload
    for r in rows:
        bodies.setdefault(f"{r[1]}.{r[2]}", []).append(r[3] or "")

    def closure(start: str) -> set[str]:
        seen, todo, codes = set(), [start], set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for body in bodies.get(name, []):
                codes.update(c.upper() for c in ERRCODE_RE.findall(body))
                for schema, fn in CALL_RE.findall(body):
                    callee = f"{schema.lower()}.{fn.lower()}"
                    if callee in bodies and callee not in seen:
                        todo.append(callee)
        return codes

    out = []
    for (oid, schema, name, src, identity, result, comment, names, modes, types, nargs,
         ndefaults, roles) in rows:
        if schema != "erp" or not roles:
            continue
        out.append(Function(schema, name, identity, result, (comment or "").strip(),
                            _arguments(oid, names, modes, types, nargs, ndefaults, conn),
                            roles, src or "", sorted(closure(f"{schema}.{name}"))))
    return out


def _area(name: str) -> str:
    """The folder of the function's file; a function generated from the entity registry (no
    file) joins the area of its entity, the longest area name its name starts with."""
    hits = sorted(FUNCTIONS.glob(f"*/{name}.sql"))
    if hits:
        return hits[0].parent.name
    areas = sorted((d.name for d in FUNCTIONS.iterdir() if d.is_dir()
                    and name.startswith(d.name + "_")), key=len, reverse=True)
    return areas[0] if areas else "other"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


HEAD = """# erp.base: function reference

<!-- generated by `.venv/bin/erp-harness reference` from the catalog of a fresh install: do not
edit; `erp-harness reference --check` (and a test) fails when this file is not current -->

Every public function: schema `erp`, executable by at least one of the roles `erp_app`,
`erp_auditor`, `erp_admin`, `erp_replicator` ([roles](design.md#roles-and-tenancy)). For each:
its arguments (name, type, default) in order, its result, the roles that may call it, its
description (`COMMENT ON FUNCTION`) and the SQLSTATEs it can raise. Write functions take the
service context after the tenant ([calling convention](design.md#calling-convention)).

The SQLSTATEs are derived from the catalog: every `ERRCODE = '…'` in the function's body and
in the bodies of the functions of `erp` and `erp_meta` it calls, directly or not (the generated
writers included). They are what the function can raise itself; their meaning is in
[the table of errors](design.md#errors). Any call can also fail with PostgreSQL's own `42501`
(the login's role is not granted the function), `22P02` (the driver could not convert an
argument before the function ran), `55P03` (`lock_timeout`), `40001` and `40P01` (retry).
"""


def render(conn: psycopg.Connection) -> str:
    """The whole document."""
    funcs = functions(conn)
    by_area: dict[str, list[Function]] = {}
    for f in funcs:
        by_area.setdefault(_area(f.name), []).append(f)
    lines = [HEAD, "## Contents", ""]
    for area in sorted(by_area):
        names = sorted({f.name for f in by_area[area]})
        lines.append(f"- **{area}**: " + ", ".join(f"[`{n}`](#{n})" for n in names))
    for area in sorted(by_area):
        lines += ["", f"## {area}"]
        done: set[str] = set()
        for f in sorted(by_area[area], key=lambda f: (f.name, f.identity)):
            if f.name not in done:
                lines += ["", f"### {f.name}"]
                done.add(f.name)
            lines += ["", f"`erp.{f.name}({f.identity})`", ""]
            if f.args:
                lines += ["| argument | type | default |", "|---|---|---|"]
                lines += [f"| `{n}` | `{_cell(t)}` | {f'`{_cell(d)}`' if d else ''} |"
                          for n, t, d in f.args]
                lines.append("")
            lines.append(f"- **returns** `{_cell(f.result)}`")
            lines.append("- **roles** " + ", ".join(f"`{r}`" for r in f.roles))
            lines.append("- **SQLSTATEs** " + (", ".join(f"`{s}`" for s in f.sqlstates)
                                               or "none of its own"))
            if f.comment:
                lines += ["", f.comment]
    return "\n".join(lines).rstrip() + "\n"


def write(url: str, output: Path = OUTPUT) -> Path:
    with psycopg.connect(url) as conn:
        text = render(conn)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    return output


def is_current(url: str, output: Path = OUTPUT) -> bool:
    with psycopg.connect(url) as conn:
        text = render(conn)
    return output.exists() and output.read_text() == text
