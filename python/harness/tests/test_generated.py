"""sql/base/generated/ is what the database generates at every migrate (the per-entity writers and
the dispatchers), committed for review: regenerating it from a fresh install must reproduce
the committed files exactly."""

from __future__ import annotations

from harness import generated


def test_committed_generated_sql_is_current(dsn):
    problems = generated.differences(dsn)
    assert problems == [], ("sql/base/generated/ is out of date: run `erp-harness generated`: "
                            + ", ".join(problems))


def test_every_registered_entity_has_its_file(conn):
    prefixes = [r[0] for r in conn.execute("SELECT writer_prefix FROM erp_meta.entity_types")]
    assert prefixes
    for prefix in prefixes:
        text = (generated.GENERATED_DIR / f"{prefix}.sql").read_text()
        for suffix in ("_insert", "_lock", "_write", "_patch", "_from_json", "_check",
                       "_duplicate"):
            assert f"FUNCTION erp._{prefix}{suffix}(" in text, (prefix, suffix)
    dispatchers = (generated.GENERATED_DIR / "_dispatchers.sql").read_text()
    assert "FUNCTION erp._json_insert(" in dispatchers


def test_committed_schema_of_every_module_is_current(server):
    """sql/<module>/generated/schema.sql is what a fresh install of the module builds."""
    problems = generated.schema_differences(server.url)
    assert problems == [], ("a module's generated/schema.sql is out of date: run "
                            "`erp-harness generated`: " + ", ".join(problems))
    text = (generated.migrate.SQL_DIR / "generated" / "schema.sql").read_text()
    assert "CREATE TABLE erp.erp_audit_events (" in text  # the parent is kept
    assert "CREATE TABLE erp_meta.modules (" in text and "CREATE TABLE erp_meta.hooks (" in text
    assert "PARTITION OF erp.erp_audit_events" not in text  # its month partitions are not


def test_a_modules_schema_holds_only_what_it_adds(server, sql_root_copy):
    from harness.tests.test_modules import add_module

    module = generated.migrate.read_module(add_module(sql_root_copy))
    text = generated.module_schema(server.url, module, sql_root_copy)
    assert "CREATE TABLE erp.test_things (" in text
    assert "CREATE FUNCTION erp.test_thing_confirm(p_tenant_id uuid, p_name text)" in text
    assert "GRANT ALL ON FUNCTION erp.test_thing_confirm(p_tenant_id uuid, p_name text) TO " \
        "erp_app" in text
    assert "erp_partners" not in text and "erp_meta.modules" not in text  # base's objects
