"""docs/reference.md is generated from the catalog (`erp-harness reference`): it must be current,
list every public function with its roles, arguments and comment, and derive the SQLSTATEs
from the bodies, including those of the private functions a function calls."""

from __future__ import annotations

import psycopg
import pytest

from erp_ops import generated
from harness import cli, reference


def test_committed_reference_is_current(dsn):
    with psycopg.connect(dsn) as c:
        text = reference.render(c)
    assert reference.OUTPUT.read_text() == text, (
        "docs/reference.md is out of date: run `.venv/bin/erp-harness reference`")


def test_every_function_a_role_may_call_is_listed_once_per_signature(conn):
    public = conn.execute("""
        SELECT p.proname, count(*) FROM pg_proc AS p
        WHERE p.pronamespace = 'erp'::regnamespace
          AND (has_function_privilege('erp_app', p.oid, 'EXECUTE')
               OR has_function_privilege('erp_auditor', p.oid, 'EXECUTE')
               OR has_function_privilege('erp_admin', p.oid, 'EXECUTE')
               OR has_function_privilege('erp_replicator', p.oid, 'EXECUTE'))
        GROUP BY p.proname""").fetchall()
    assert len(public) >= 45
    funcs = reference.functions(conn)
    listed = {}
    for f in funcs:
        listed[f.name] = listed.get(f.name, 0) + 1
        assert f.comment, f"erp.{f.name} has no COMMENT ON FUNCTION"
        assert f.roles, f.name
    assert listed == dict(public)
    names = {f.name for f in funcs}
    assert not any(n.startswith("_") for n in names)  # private helpers are not public
    assert "audit_retention_set" not in names  # the owner's alone
    assert "atomic_insert_with_audit" not in names  # for module authors, not granted


def test_roles_arguments_and_results_come_from_the_catalog(conn):
    funcs = {f.name: f for f in reference.functions(conn)}
    assert funcs["tenant_create"].roles == ["erp_admin"]
    assert funcs["audit_verify"].roles == ["erp_auditor", "erp_admin"]
    assert funcs["audit_subscriber_ddl"].roles == ["erp_admin", "erp_replicator"]
    convert = funcs["uom_convert"]
    assert convert.args == [("p_tenant_id", "uuid", None), ("p_qty", "numeric", None),
                            ("p_from_uom_id", "uuid", None), ("p_to_uom_id", "uuid", None),
                            ("p_rounding_method", "text", "'HALF-UP'::text")]
    assert convert.result == "numeric"
    assert funcs["audit_events"].args[-1] == ("p_limit", "bigint", "100")


def test_sqlstates_include_those_of_the_private_functions_called(conn):
    funcs = {f.name: f for f in reference.functions(conn)}
    # uom_convert raises these three in its own body
    assert {"ZE001", "ZE003", "ZE009"} <= set(funcs["uom_convert"].sqlstates)
    # partner_create raises none itself: tenant, actor and duplicate checks are in the
    # private helpers and generated writers it calls
    create = funcs["partner_create"]
    assert "ERRCODE" not in create.source.upper()
    assert {"ZE002", "ZE003", "ZE006", "ZE008"} <= set(create.sqlstates)
    assert funcs["product_update"].sqlstates and "ZE004" in funcs["product_update"].sqlstates
    for f in funcs.values():
        assert all(len(s) == 5 for s in f.sqlstates), f.name


def test_split_top_level_keeps_commas_inside_quotes_and_parentheses():
    assert generated.split_arguments("'a, b'::text, f(1, 2), NULL::uuid") == [
        "'a, b'::text", "f(1, 2)", "NULL::uuid"]


@pytest.mark.parametrize("argv", [["reference", "--check"]])
def test_the_command_checks_a_given_database(dsn, argv, capsys):
    assert cli.main([*argv, "--database-url", dsn]) == 0
    assert capsys.readouterr().err == ""
