"""sql/base/generated/ is what the database generates at every migrate (the per-entity writers and
the dispatchers), committed for review: regenerating it from a fresh install must reproduce
the committed files exactly."""

from __future__ import annotations

from erp_ops import generated


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
