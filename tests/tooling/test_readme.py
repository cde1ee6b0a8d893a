"""The examples of the README and of docs/*.md run as written, as one document in the order
of ``doctest_readme.DOCUMENTS``: every ```sql block, in order, through the real
``psql`` against a fresh install made the way the README's quick start says (``CREATE DATABASE
erp``, then ``make bundle`` and ``psql -v ON_ERROR_STOP=1 -1 -f dist/erp.sql -d erp`` as the
superuser), connected as the logins the blocks name; every ```sh block from the checkout
(``make bundle`` writes its ``dist/erp.sql``, ``.venv/bin/erp-harness`` is the console
command), except those marked ``<!-- not run: why -->``; the crontab jobs as the maintenance
login, silent once there is nothing to do. Where a ```text block shows the output, it must be
exactly that (UUIDs and timestamps masked, alignment ignored, ``…`` any text). The rules are
in :mod:`harness.doctest_readme`.

The README creates a database named ``erp`` and cluster-wide login roles, so this runs on a
throwaway cluster of its own, also when ``DATABASE_URL`` is set (it needs the PostgreSQL
server binaries, which ``make setup`` installs).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from erp_ops import __version__, migrate
from harness import cluster
from harness import doctest_readme as dt

README = migrate.ROOT / "README.md"
DOCS = migrate.ROOT / "docs"


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text()


@pytest.fixture(scope="module")
def operations() -> str:
    return (DOCS / "operations.md").read_text()


@pytest.fixture(scope="module")
def every_doc() -> list[dt.Block]:
    """The blocks of every document the doc-test runs, in its order."""
    blocks = []
    for path in dt.documents():
        blocks += dt.parse(path.read_text(), str(path.relative_to(migrate.ROOT)))
    return blocks


@pytest.fixture
def psql_server(tmp_path: Path) -> Iterator[dt.Server]:
    """A fresh throwaway cluster (nothing installed) and a working directory for psql."""
    with cluster.Cluster.temporary_cluster() as c:
        yield dt.Server(psql=cluster.pg_bindir() / "psql", host=str(c.socket_dir), port=c.port,
                        superuser=c.superuser, workdir=tmp_path)


def section(markdown: str, heading: str) -> str:
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start:end if end > 0 else None]


# ---- the README as documentation ---------------------------------------------------------------
def test_the_readme_is_the_front_door(readme):
    """At most 400 lines: what, why, the two commands, a runnable tour, links into docs/."""
    assert len(readme.splitlines()) <= 400, len(readme.splitlines())
    for heading in ("Why", "Two commands", "Try it: install, then a tour in psql",
                    "Calling it from psql", "Documentation"):
        assert f"\n## {heading}\n" in readme, heading
    why = section(readme, "Why")
    assert "trigger" in why and "Odoo" in why and "ERPNext" in why
    for doc in ("design", "reference", "operations", "benchmarks"):
        assert f"](docs/{doc}.md)" in readme, doc
    assert "make demo" in readme and "make test" in readme


def test_every_document_is_run_in_a_fixed_order_and_cites_no_outside_document():
    paths = dt.documents()
    names = [str(p.relative_to(migrate.ROOT)) for p in paths]
    assert names[:5] == list(dt.DOCUMENTS)
    assert sorted(names[5:]) == names[5:]
    assert set(names) == {"README.md"} | {f"docs/{p.name}" for p in DOCS.glob("*.md")}
    for path in paths:
        text = path.read_text()
        assert "DESIGN.md" not in text and "handoff" not in text.lower(), path


def test_local_links_between_documents_resolve():
    for path in dt.documents():
        for target, anchor in re.findall(r"\]\(([^()#:\s]*)(?:#([\w-]+))?\)",
                                         path.read_text()):
            linked = (path.parent / target).resolve() if target else path
            assert linked.exists(), (path.name, target)
            if anchor and linked.suffix == ".md":
                slugs = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
                         for h in re.findall(r"^#+ (.*)$", linked.read_text(), re.M)}
                assert anchor in slugs, (path.name, target, anchor)


def test_the_quick_start_installs_and_the_dba_guide_says_how_to_upgrade_and_grant(
        readme, operations):
    quick = dt.parse(section(readme, "Try it: install, then a tour in psql"))
    dba = section(operations, "Installing into your PostgreSQL (DBA)")
    blocks = quick
    sql_text = "".join(b.text for b in blocks if b.lang == "sql")
    assert "CREATE DATABASE erp ENCODING 'UTF8'" in sql_text
    assert "CREATE ROLE erp_provisioner LOGIN IN ROLE erp_admin;" in sql_text
    assert "CREATE ROLE billing_service LOGIN IN ROLE erp_app;" in sql_text
    [install] = [b for b in blocks if b.lang == "sh" and b.runnable]
    # base's bundle, then every module's after the modules it requires
    assert dt.shell_commands(install) == [["make", "bundle"]] + [
        ["psql", "-v", "ON_ERROR_STOP=1", "-1", "-f", f"dist/{m}.sql", "-d", "erp"]
        for m in ("erp", "erp-inventory", "erp-sales", "erp-sales_inventory")]
    assert install.expected is not None and "applied 0001_roles_and_schemas.sql" in (
        install.expected)
    # the DBA guide shows the very same steps (not run a second time)
    guide = [b for b in dt.parse(dba) if b.lang in ("sql", "sh")]
    for block in (b for b in quick if b.lang in ("sql", "sh")):
        assert any(g.text == block.text and not g.runnable for g in guide), block.first_line
    for fact in ("Upgrades use the same command", "already", "lock_timeout",
                 "statement_timeout", "make migrate", "not left a member of `erp_owner`",
                 "releases/vX.Y.Z/erp.sql", "python3` alone"):
        assert fact in dba, fact


def test_every_command_line_runs_or_says_why_not_and_none_is_python_dash_m(
        every_doc, operations):
    """`python` is not on a fresh Debian and `python -m harness` needs the package on the
    path: the docs name the console command `make setup` installs."""
    blocks = every_doc
    shell = [b for b in blocks if b.lang in ("sh", "crontab")]
    assert len(shell) >= 6
    for block in shell:
        assert block.runnable or block.not_run_reason, block.label()
    assert not any("python -m harness" in b.text for b in blocks)
    for path in dt.documents():
        text = path.read_text()
        assert "python -m harness" not in text.replace(".venv/bin/python -m harness", "")
    [cron] = [b for b in shell if b.lang == "crontab"]
    assert cron.cron_login == "erp_provisioner"
    assert all(" -At " in job for job in dt.cron_jobs(cron))
    console = (migrate.ROOT / "pyproject.toml").read_text()
    assert 'erp-harness = "harness.cli:main"' in console
    assert "`.venv/bin/erp-harness`" in section(operations, "Command line")


def test_the_psql_walkthrough_has_no_placeholders_and_shows_its_output(readme):
    blocks = [b for b in dt.parse(section(readme, "Calling it from psql")) if b.lang == "sql"]
    assert len(blocks) >= 7
    assert all(b.runnable for b in blocks)
    text = "".join(b.text for b in blocks)
    assert "…" not in text.replace("-- … insert the invoice and its lines first …", "")
    assert "\\gset" in text and ":'tenant'" in text
    assert "p_expected_version => 1" in text
    assert "p_prefix => 'INV/{YYYY}/'" in text
    assert "\\connect erp erp_provisioner" in text  # tenant_create is erp_admin's
    assert "\\connect - billing_service" in text  # the application's login for the rest
    assert "\\connect - compliance" in text  # audit_verify is not granted to erp_app
    shown = [b for b in blocks if b.expected is not None]
    for call in ("uom_convert", "sequence_next", "audit_history", "entity_as_of",
                 "audit_verify"):
        assert any(call in b.text for b in shown), f"{call}: output not shown"


# ---- the README as a program ----------------------------------------------------------------
def test_every_psql_example_runs_as_written(every_doc, psql_server):
    results = dt.run_documents(dt.documents(), psql_server)
    ran = [(r.block.source, r.block.number, r.block.lang) for r in results]
    for lang in ("sql", "sh"):
        assert [k for k in ran if k[2] == lang] == [
            (b.source, b.number, b.lang) for b in every_doc if b.lang == lang and b.runnable]
    assert {k[0] for k in ran} >= {"README.md", "docs/design.md", "docs/operations.md"}
    assert [k[2] for k in ran].count("sh") >= 3 and [k[2] for k in ran].count("crontab") == 1
    compared = [r for r in results if r.block.expected is not None]
    assert len(compared) >= 8
    [allocation] = [r for r in results if "erp.sequence_next(" in r.block.text]
    assert "INV/2026/0001" in allocation.stdout
    install = next(r for r in results if r.block.lang == "sh")
    assert install.block.source == "README.md"
    [upgrade] = [r for r in results if r.block.source == "docs/operations.md"
                 and r.block.lang == "sh" and "dist/erp.sql" in r.block.text]
    assert "the database is already current" in upgrade.stdout
    assert re.search(r"NOTICE:  erp\.base \S+: applied 0001_", install.stdout), install.stdout
    [cli] = [r for r in results if "erp-harness --help" in r.block.text]
    assert "usage: erp-harness" in cli.stdout
    assert re.search(r"applied +0001_roles_and_schemas\.sql", cli.stdout), cli.stdout

    # the upgrade: the same command again on the installed database changes nothing
    again = dt.run_shell(install.block, psql_server, compare=False)
    # (make bundle names every bundle it writes, one per module)
    notices = [line for line in again.stdout.splitlines() if not line.startswith("wrote dist/")]
    assert [re.sub(r":\d+:", ":N:", n) for n in notices] == [
        f"psql:dist/{bundle}.sql:N: NOTICE:  erp.{module} {__version__}: "
        "the database is already current; no migration applied"
        for bundle, module in (("erp", "base"), ("erp-inventory", "inventory"),
                               ("erp-sales", "sales"), ("erp-sales_inventory", "sales_inventory"))
    ], again.stdout


# ---- the doc-test can fail, and says where -----------------------------------------------------
def failure(doc: str, server) -> str:
    """The message with which the doc-test refuses ``doc``."""
    with pytest.raises(dt.DocTestError) as failed:
        dt.run(doc, server)
    return str(failed.value)


def test_a_failing_block_is_named_with_psql_error(psql_server):
    doc = ("intro\n```sql\nSELECT 1 AS one;\n```\n\nthen\n```sql\nSELECT 2;\n"
           "SELECT 1 / 0;\n```\n")
    message = failure(doc, psql_server)
    assert message.startswith("README sql block 2 (line 8: SELECT 2;) failed at README line 9")
    assert "ERROR:  division by zero" in message


def test_output_that_differs_from_the_readme_fails_with_a_diff(psql_server):
    doc = ("```sql\nSELECT 41 + 1 AS answer;\n```\n```text\n answer\n--------\n     41\n"
           "(1 row)\n```\n")
    message = failure(doc, psql_server)
    assert message.startswith("README sql block 1 (line 2: SELECT 41 + 1 AS answer;) printed "
                              "something else")
    assert "- 41" in message and "+ 42" in message


def test_variables_survive_blocks_and_logins_and_not_tested_blocks_are_skipped(psql_server):
    doc = ("```sql\nCREATE ROLE reader LOGIN;\nSELECT 'a' || 'b' AS v \\gset\n```\n"
           "<!-- not tested -->\n```sql\nSELECT this is not sql;\n```\n"
           "```sql\n\\connect postgres reader\nSELECT :'v' AS v, current_user AS who;\n```\n"
           "```text\nYou are now connected to database \"postgres\" as user \"reader\".\n"
           " v  | who\n----+--------\n ab | reader\n(1 row)\n```\n")
    results = dt.run(doc, psql_server)
    assert [r.block.number for r in results] == [1, 3]
    assert "ab | reader" in results[1].stdout


def test_stderr_output_fails_the_block(psql_server):
    doc = "```sql\nDO $$ BEGIN RAISE WARNING 'careful'; END $$;\n```\n"
    with pytest.raises(dt.DocTestError, match=r"sql block 1 .* failed.*\n.*WARNING:  careful"):
        dt.run(doc, psql_server)


def test_a_failing_shell_command_fails_its_block_with_its_output(psql_server):
    doc = ("<!-- not run: needs a server you do not have -->\n```sh\nexit 7\n```\n"
           "```sh\necho before\npsql -X -d no_such_database -c 'SELECT 1'\necho after\n```\n")
    message = failure(doc, psql_server)
    assert message.startswith("README sh block 2 (line 6: echo before) failed (exit code 2)")
    assert "before" in message and 'database "no_such_database" does not exist' in message
    assert "after" not in message


def test_shell_output_is_compared_with_ellipses_for_any_text(psql_server):
    good = "```sh\npsql -X -At -c 'SELECT 40 + 2, current_user'\n```\n```text\n42|…\n```\n"
    [result] = dt.run(good, psql_server)
    assert result.stdout.startswith("42|")
    bad = good.replace("42|…", "41|…")
    with pytest.raises(dt.DocTestError, match=r"(?s)printed something else.*\n-41\|…\n\+42\|"):
        dt.run(bad, psql_server)


def test_a_not_run_marker_needs_a_reason():
    [block] = dt.parse("<!-- not run: -->\n```sh\nmake bench\n```\n")
    assert block.runnable and block.not_run_reason is None
    [block] = dt.parse("<!-- not run: twenty minutes -->\n```sh\nmake bench\n```\n")
    assert not block.runnable and block.not_run_reason == "twenty minutes"


def test_a_cron_job_that_prints_with_nothing_to_do_fails(psql_server):
    chatty = ("<!-- doctest: cron as postgres_like -->\n```crontab\n# m h dom mon dow\n"
              "* * * * *  psql -X -q -d postgres -c 'SELECT 1 WHERE false'\n```\n")
    chatty = chatty.replace("postgres_like", psql_server.superuser)
    with pytest.raises(dt.DocTestError, match=r"printed on a run with nothing to do"):
        dt.run(chatty, psql_server)
    quiet = chatty.replace("-q -d", "-q -At -d")
    [result] = dt.run(quiet, psql_server)
    assert result.stdout == ""
    failing = quiet.replace("SELECT 1 WHERE false", "SELECT 1 / 0")
    with pytest.raises(dt.DocTestError, match=r"division by zero"):
        dt.run(failing, psql_server)


# ---- normalisation --------------------------------------------------------------------------
def test_normalise_masks_uuids_and_timestamps_and_ignores_alignment():
    u = uuid.uuid4()
    got = (f"                  id                  |          at\n"
           f"--------------------------------------+-----------------------------\n"
           f" {u} | 2026-11-25 10:11:12.123456+00\n(1 row)\n\n")
    want = "  id    |   at\n---+---\n <uuid> | <timestamp>\n(1 row)\n"
    assert dt.normalise(got) == dt.normalise(want) == [
        " id | at", "-+-", " <uuid> | <timestamp>", "(1 row)"]
    assert dt.normalise("2026-11-25T10:11:12Z x") == ["<timestamp> x"]
    assert dt.normalise(" 2500 |  1.235") != dt.normalise(" 2500 | 1.234")


def test_parse_attaches_expected_output_and_directives():
    doc = ("<!-- not tested -->\n```sql\nA;\n```\n```text\nignored\n```\n"
           "```sql\nB;\n```\n\n```text\nout\n```\n```sql\nC;\n```\nprose\n```text\nnot C's\n```\n"
           "```sh\nmake bundle\n```\n")
    blocks = dt.parse(doc)
    sql = [b for b in blocks if b.lang == "sql"]
    assert [(b.number, b.runnable, b.expected) for b in sql] == [
        (1, False, None), (2, True, "out\n"), (3, True, None)]
    assert [b.line for b in sql] == [3, 9, 16]
    [sh] = [b for b in blocks if b.lang == "sh"]
    assert sh.runnable and dt.shell_commands(sh) == [["make", "bundle"]]
