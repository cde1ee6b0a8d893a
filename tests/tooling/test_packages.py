"""The three Python packages and who may import whom.

* ``erp_client`` is what applications import: it needs psycopg and the standard library only;
* ``erp_ops`` (operations) imports ``erp_client``, never ``harness``;
* ``harness`` (the lab) may import both;
* no import circle among the packages or inside one.

The graph is read from the source with :mod:`ast` (every ``import``, lazy ones inside functions
included), so it holds whatever a run happens to import; a subprocess then proves the client
imports and maps a refusal to its class with nothing but psycopg importable.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from erp_ops import migrate

PYTHON = migrate.ROOT / "python"
PACKAGES = ("erp_client", "erp_ops", "harness")
# what each package may import of the others (itself always)
ALLOWED = {"erp_client": set(), "erp_ops": {"erp_client"},
           "harness": {"erp_client", "erp_ops"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PYTHON).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {module_name(p): p for p in sorted(PYTHON.rglob("*.py"))}
    return {m: p for m, p in found.items() if m.split(".")[0] in PACKAGES}


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``name`` imports: ``from pkg import mod`` names pkg.mod when that
    is a module, else pkg (its ``__init__``); relative imports are resolved."""
    out: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[:len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            # `import a.b.c` runs a, a.b and a.b.c: the deepest project module stands for it
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {m: imported(m, p, set(found)) for m, p in found.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path a -> ... -> a, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_sees_the_imports_it_must_see():
    """Not vacuous: known edges of each kind are found (module-level, lazy inside a function,
    ``from package import module``, ``from package import name``)."""
    graph = import_graph()
    assert {"erp_client", "erp_client.client", "erp_client.errors", "erp_ops", "erp_ops.migrate",
            "erp_ops.build_bundle", "erp_ops.audit_cmd", "harness", "harness.cli",
            "harness.benchlib.cases"} <= set(graph)
    assert "erp_client.errors" in graph["erp_client.client"]
    assert {"erp_ops.migrate", "erp_ops.errors", "erp_ops.audit_cmd", "erp_ops.build_bundle",
            "harness.cluster", "harness.stress"} <= graph["harness.cli"]  # lazy ones included
    assert "erp_ops.migrate" in graph["erp_ops.generated"]  # from erp_ops import migrate
    assert "harness.benchlib.schema" in graph["harness.benchlib.cases"]


def test_find_cycle_finds_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_each_package_imports_only_what_it_may():
    wrong = sorted(f"{m} imports {t}" for m, targets in import_graph().items() for t in targets
                   if t.split(".")[0] not in ALLOWED[m.split(".")[0]] | {m.split(".")[0]})
    assert wrong == []


def test_the_client_imports_the_standard_library_and_psycopg_only():
    third_party = set()
    for name, path in modules().items():
        if not name.startswith("erp_client"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                tops = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                tops = {(node.module or "").split(".")[0]}
            else:
                continue
            third_party |= tops - set(sys.stdlib_module_names) - {"erp_client", "__future__"}
    assert third_party == {"psycopg"}


# psycopg's own dependencies may load; everything else not in the standard library is refused
ISOLATED = textwrap.dedent("""
    import importlib.abc, json, sys, uuid

    ALLOWED = set(sys.stdlib_module_names) | {
        "erp_client", "psycopg", "psycopg_binary", "psycopg_c", "typing_extensions", "tzdata"}
    refused = []

    class OnlyPsycopg(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            top = fullname.partition(".")[0]
            if top not in ALLOWED and not top.startswith("_"):  # _sysconfigdata_…: stdlib
                refused.append(fullname)
                raise ModuleNotFoundError(f"refused: {fullname}", name=fullname)
            return None

    sys.meta_path.insert(0, OnlyPsycopg())
    for name in ("rich", "harness", "erp_ops", "psycopg_pool"):
        try:
            __import__(name)
        except ImportError:
            pass
        else:
            raise SystemExit(f"{name} imported: the finder does not work")

    import psycopg
    from erp_client import Duplicate, ErpClient, ErpError, NotFound

    dsn, tenant = sys.argv[1], uuid.UUID(sys.argv[2])
    result = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        erp = ErpClient(conn, tenant_id=tenant, trace_id="isolated")
        for label, call in (("missing", lambda: erp.sequence_get(uuid.uuid4())),
                            ("first", lambda: erp.sequence_create("INV", "Invoices")),
                            ("again", lambda: erp.sequence_create(" inv ", "Invoices again"))):
            try:
                call()
                result[label] = "ok"
            except ErpError as exc:
                result[label] = [type(exc).__name__, exc.sqlstate,
                                 isinstance(exc, (NotFound, Duplicate))]
        result["codes"] = [s["code"] for s in erp.sequence_list()]
    loaded = sorted({m.partition(".")[0] for m in sys.modules} - set(sys.stdlib_module_names))
    print(json.dumps({"result": result, "loaded": loaded, "refused": sorted(set(refused))}))
""")


def test_the_client_works_with_only_psycopg_importable(dsn, tenant):
    """What an application gets: ``import erp_client`` and a call whose refusal arrives as the
    exception class of its SQLSTATE, in a process where rich, psycopg_pool, erp_ops, harness and
    every other package outside the standard library and psycopg cannot be imported."""
    proc = subprocess.run([sys.executable, "-c", ISOLATED, dsn, str(tenant)],
                          capture_output=True, text=True, timeout=60, cwd=migrate.ROOT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["result"] == {"missing": ["NotFound", "ZE001", True], "first": "ok",
                             "again": ["Duplicate", "ZE002", True], "codes": ["INV"]}
    assert {"rich", "harness", "erp_ops", "psycopg_pool"} <= set(out["refused"])
    assert not {"rich", "harness", "erp_ops", "psycopg_pool"} & set(out["loaded"])
    assert "erp_client" in out["loaded"] and "psycopg" in out["loaded"]
