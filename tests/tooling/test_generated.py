"""sql/<module>/generated/ is what the database generates at every migrate (the per-entity
writers and the dispatchers), committed for review: regenerating it from a fresh install must
reproduce the committed files exactly."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from erp_ops import generated, migrate
from harness import cluster
from tests.conftest import ENTITY_COLUMNS


def test_committed_generated_sql_is_current(dsn):
    problems = generated.differences(dsn)
    assert problems == [], ("sql/*/generated/ is out of date: run `erp-harness generated`: "
                            + ", ".join(problems))


def test_every_registered_entity_has_its_file(conn):
    """An entity's functions are in its module's folder: erp.<module>.<entity> ->
    sql/<module>/generated/<writer_prefix>.sql."""
    rows = conn.execute("SELECT split_part(entity_type, '.', 2), writer_prefix"
                        " FROM erp_meta.entity_types").fetchall()
    assert ("base", "partner") in rows
    for module, prefix in rows:
        text = (migrate.SQL_ROOT / module / "generated" / f"{prefix}.sql").read_text()
        for suffix in ("_insert", "_lock", "_write", "_patch", "_from_json", "_check",
                       "_duplicate"):
            assert f"FUNCTION erp._{prefix}{suffix}(" in text, (prefix, suffix)
    dispatchers = (generated.GENERATED_DIR / "_dispatchers.sql").read_text()
    assert "FUNCTION erp._json_insert(" in dispatchers


API_KINDS = ("get", "list", "archive", "restore", "create", "update")


def test_registry_declared_functions_are_generated(conn):
    """Every public function an entity declares in the registry is generated, in its entity's
    file."""
    declared = {f"{prefix}_{kind}" for prefix, kind in conn.execute(
        "SELECT e.writer_prefix, k FROM erp_meta.entity_types AS e, "
        "jsonb_object_keys(e.api_functions) AS k WHERE e.entity_type LIKE 'erp.base.%'")}
    assert {"partner_get", "partner_list", "partner_archive", "partner_restore", "uom_get",
            "uom_list", "uom_archive", "uom_restore", "product_get", "product_list",
            "product_archive", "product_restore", "sequence_get", "sequence_list",
            "uom_category_list", "uom_category_create", "uom_update", "partner_create",
            "partner_update", "product_create", "product_update"} == declared
    seen = {signature.split("(")[0].removeprefix("erp.")
            for _file, signature, _text in generated.definitions(conn)}
    assert declared <= seen


def test_every_generated_function_is_laid_out_for_reading(conn):
    """No line of any generated function (writers, dispatchers, get/list/archive/restore) is
    over generated.MAX_LINE characters, as the database has it and as committed."""
    long = [(signature, line) for _file, signature, text in generated.definitions(conn)
            for line in text.splitlines() if len(line) > generated.MAX_LINE]
    assert long == []
    files = generated._committed(migrate.SQL_ROOT)
    assert "base/generated/partner.sql" in files and "base/generated/_dispatchers.sql" in files
    for name in files:
        for number, line in enumerate((migrate.SQL_ROOT / name).read_text().splitlines(), 1):
            assert len(line) <= generated.MAX_LINE, (name, number, line)


def test_generated_public_functions_keep_their_grants(conn):
    rows = conn.execute(
        "SELECT g.entity_type LIKE 'erp.base.%', p.prosecdef, "
        "  has_function_privilege('erp_app', p.oid, 'EXECUTE'),"
        "  has_function_privilege('erp_admin', p.oid, 'EXECUTE'),"
        "  has_function_privilege('public', p.oid, 'EXECUTE'),"
        "  obj_description(p.oid, 'pg_proc') IS NOT NULL "
        "FROM erp_meta.generated_functions AS g JOIN pg_proc AS p ON p.proname = g.function_name "
        "WHERE p.pronamespace = 'erp'::regnamespace AND g.function_name NOT LIKE '\\_%'"
    ).fetchall()
    # base's own 21; a module's entities add theirs, held to the same grants
    assert len([row for row in rows if row[0]]) == 21
    for row in rows:
        assert row[1:] == (True, True, True, False, True), row


def test_generated_public_functions_are_not_in_the_manifest(conn):
    """The lifecycle leaves them to the generator: an upgrade neither drops nor revokes them."""
    found = conn.execute(
        "SELECT m.signature FROM erp_meta.function_manifest AS m "
        "JOIN erp_meta.generated_functions AS g "
        "  ON split_part(m.signature, '(', 1) = 'erp.' || g.function_name").fetchall()
    assert found == []


@pytest.mark.parametrize(("source", "values", "message"), [
    ("a {{x}} b", {}, "template placeholder(s) without a value: x"),
    ("a {{x}} b", {"x": "1", "y": "2"}, "value(s) for no placeholder of the template: y"),
    ("a {{x} b", {}, "template has a malformed placeholder"),
    ("a {{X}} b", {"X": "1"}, "template has a malformed placeholder"),
    ("a {{x}} b", {"x": 1}, "template value x is not text"),
])
def test_render_refuses_a_missing_unused_or_malformed_placeholder(conn, source, values, message):
    with pytest.raises(psycopg.Error) as caught:
        conn.execute("SELECT erp_meta._render(%s, %s::jsonb)", (source, json.dumps(values)))
    assert caught.value.sqlstate == "ZE003"
    assert message in str(caught.value)


def test_render_replaces_every_occurrence(conn):
    text = conn.execute("SELECT erp_meta._render(%s, %s::jsonb)",
                        ("{{a}}-{{b}}-{{a}}", json.dumps({"a": "x", "b": "y{z}"}))).fetchone()[0]
    assert text == "x-y{z}-x"


def test_render_indents_a_value_of_several_lines_as_its_placeholder(conn):
    """Each line after a value's first gets the leading spaces of the placeholder's line; a
    line holding only an empty value is left out."""
    text = conn.execute("SELECT erp_meta._render(%s, %s::jsonb)", (
        "BEGIN\n    x := {{value}};\n    {{nothing}}\nEND",
        json.dumps({"value": "f(\n    1\n)", "nothing": ""}))).fetchone()[0]
    assert text == "BEGIN\n    x := f(\n        1\n    );\nEND"


def test_long_literals_and_expressions_are_broken_without_changing_them(conn):
    """erp_meta._literal_sql: adjacent literals of at most about 60 characters that SQL reads
    as the text; erp_meta._wrap_sql: a line break before each outermost AND / OR."""
    text = "Keys accepted: " + ", ".join(f"column_{i}" for i in range(30)) + "."
    literal = conn.execute("SELECT erp_meta._literal_sql(%s)", (text,)).fetchone()[0]
    lines = literal.splitlines()
    assert len(lines) > 3 and all(len(line) <= 64 for line in lines)
    assert conn.execute(f"SELECT {literal}").fetchone()[0] == text  # noqa: S608
    expr = " AND ".join(f"(x <> {i})" for i in range(20)) + " OR (x = 'a AND b')"
    wrapped = conn.execute("SELECT erp_meta._wrap_sql(%s, 80)", (expr,)).fetchone()[0]
    assert wrapped.replace("\n", " ") == expr and len(wrapped.splitlines()) == 21
    assert conn.execute("SELECT erp_meta._wrap_sql('a AND b', 80)").fetchone()[0] == "a AND b"
    # no AND / OR (a long IN list): after each comma of the outermost level that has commas
    states = "((state = ANY (ARRAY[" + ", ".join(f"'s{i}'::text" for i in range(12)) + "])))"
    wrapped = conn.execute("SELECT erp_meta._wrap_sql(%s, 80)", (states,)).fetchone()[0]
    assert re.sub(r"\n +", " ", wrapped) == states and len(wrapped.splitlines()) == 12
    assert all(line.startswith("   '") for line in wrapped.splitlines()[1:])


def test_every_template_renders_only_with_its_placeholders(conn):
    """generate_api's DDL has no placeholder left; rendering it again is refused on no value."""
    for (ddl,) in conn.execute("SELECT a.ddl FROM erp_meta.entity_types AS e, "
                               "erp_meta.generate_api(e.entity_type) AS a").fetchall():
        assert "{{" not in ddl and "}}" not in ddl


WIDGETS = """
CREATE TABLE erp.test_widgets (
    """ + ENTITY_COLUMNS + """,
    code text NOT NULL,
    colour text,
    PRIMARY KEY (tenant_id, id)
);
CREATE FUNCTION erp._test_widget_restore_check(
    p_tenant_id uuid, p_old erp.test_widgets, p_new erp.test_widgets
) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    IF p_new.colour = 'black' AND p_old.tenant_id = p_tenant_id THEN
        RAISE EXCEPTION 'black widgets stay archived' USING ERRCODE = 'ZE009';
    END IF;
END
$fn$;
INSERT INTO erp_meta.entity_types (entity_type, table_name, writer_prefix, api_noun,
    api_functions, list_order, list_filters, restore_check)
VALUES ('erp.test.widget', 'test_widgets', 'test_widget', 'widget',
    '{"get": "One widget.", "list": "Widgets.", "archive": "Archives.", "restore": "Restores."}',
    'code', '[{"name": "colour", "type": "text", "column": "colour"}]',
    'erp._test_widget_restore_check');
"""


def test_an_entity_declared_in_the_registry_gets_its_functions(conn, tenant):
    """A module's entity: list filter, archive without a check, restore with its check."""
    conn.execute("SET ROLE erp_owner")
    conn.execute(WIDGETS)
    conn.execute("SELECT erp_meta.regenerate_writers()")
    ctx = (tenant, None, "SYSTEM", "t")
    ids = {}
    for code, colour in (("A", "red"), ("B", "black"), ("C", "red")):
        ids[code] = conn.execute(
            "SELECT (erp.atomic_insert_with_audit(%s, %s, %s, %s, 'erp.test.widget', %s)) ->> 'id'",
            (*ctx, json.dumps({"code": code, "colour": colour}))).fetchone()[0]
    red = conn.execute("SELECT array_agg(code) FROM erp.test_widget_list(%s, p_colour => 'red')",
                       (tenant,)).fetchone()[0]
    assert red == ["A", "C"]
    archived = conn.execute("SELECT (erp.test_widget_archive(%s, %s, %s, %s, %s)).active",
                            (*ctx, ids["B"])).fetchone()[0]
    assert archived is False
    codes = conn.execute("SELECT array_agg(code) FROM erp.test_widget_list(%s)",
                         (tenant,)).fetchone()[0]
    assert codes == ["A", "C"]
    with pytest.raises(psycopg.Error) as caught, conn.transaction():
        conn.execute("SELECT erp.test_widget_restore(%s, %s, %s, %s, %s)", (*ctx, ids["B"]))
    assert caught.value.sqlstate == "ZE009"
    state = conn.execute(
        "SELECT w.active, w.version, (SELECT count(*) FROM erp.erp_audit_events AS e"
        " WHERE e.entity_id = w.id AND e.event_type = 'erp.test.widget.restored')"
        " FROM erp.test_widgets AS w WHERE w.id = %s", (ids["B"],)).fetchone()
    assert state == (False, 2, 0)
    restored = conn.execute("SELECT (erp.test_widget_restore(%s, %s, %s, %s, %s)).version",
                            (*ctx, ids["A"])).fetchone()[0]
    assert restored == 1, "restoring an active widget returns it unchanged"


def test_get_of_a_missing_row_is_ze001(conn, tenant):
    with pytest.raises(psycopg.Error) as caught:
        conn.execute("SELECT erp.partner_get(%s, %s)", (tenant, tenant))
    assert caught.value.sqlstate == "ZE001"
    assert "partner" in caught.value.diag.message_primary


def test_committed_schema_of_every_module_is_current(server):
    """sql/<module>/generated/schema.sql is what a fresh install of the module builds."""
    problems = generated.schema_differences(server.url, bindir=cluster.pg_bindir())
    assert problems == [], ("a module's generated/schema.sql is out of date: run "
                            "`erp-harness generated`: " + ", ".join(problems))
    text = (generated.migrate.SQL_DIR / "generated" / "schema.sql").read_text()
    assert "CREATE TABLE erp.erp_audit_events (" in text  # the parent is kept
    assert "CREATE TABLE erp_meta.modules (" in text and "CREATE TABLE erp_meta.hooks (" in text
    assert "PARTITION OF erp.erp_audit_events" not in text  # its month partitions are not


def test_a_modules_schema_holds_only_what_it_adds(server, sql_root_copy):
    from tests.tooling.test_modules import add_module

    module = generated.migrate.read_module(add_module(sql_root_copy))
    text = generated.module_schema(server.url, module, sql_root_copy,
                                   bindir=cluster.pg_bindir())
    assert "CREATE TABLE erp.test_things (" in text
    assert "CREATE FUNCTION erp.test_thing_confirm(p_tenant_id uuid, p_name text)" in text
    assert "GRANT ALL ON FUNCTION erp.test_thing_confirm(p_tenant_id uuid, p_name text) TO " \
        "erp_app" in text
    assert "erp_partners" not in text and "erp_meta.modules" not in text  # base's objects
