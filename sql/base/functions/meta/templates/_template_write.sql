-- Template of erp._<prefix>_write: p_old's row updated to p_new with one event of verb p_event
-- (one of {{verbs}}); p_old untouched (no event) when nothing changed. Only a write that changes a
-- unique key ({{key_changed}}) runs in an exception block (to map a lost race to ZE002).
CREATE OR REPLACE FUNCTION erp_meta._template_write() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text,
    p_old {{table}}, p_new {{table}}, p_event text
) RETURNS {{table}}
LANGUAGE plpgsql
AS $body$
DECLARE
    v_row {{table}};
    v_constraint text;
BEGIN
    IF p_event IS NULL OR p_event NOT IN (
        {{verbs}}
    ) THEN
        RAISE EXCEPTION 'unknown event % for {{entity}}', erp._clip(p_event, 40)
            USING ERRCODE = 'ZE003',
                HINT = {{verb_hint}};
    END IF;
    -- a row comparison (no JSON) decides the no-op
    IF p_new IS NOT DISTINCT FROM p_old THEN
        RETURN p_old;  -- nothing changed: no write, no event, no new version
    END IF;
    IF {{key_changed}} THEN
        -- a unique key changes (rare): a concurrent writer of the same key makes this fail
        BEGIN
            {{statement}}
        EXCEPTION WHEN unique_violation THEN
            GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
            RAISE EXCEPTION '{{entity}} with this % already exists in this tenant',
                coalesce((SELECT f.field FROM erp_meta.constraint_fields AS f
                    WHERE f.table_name = {{table_name}} AND f.constraint_name = v_constraint), v_constraint)
                USING ERRCODE = 'ZE002', DETAIL = pg_catalog.format('constraint %s', v_constraint);
        END;
    ELSE
        {{statement}}
    END IF;
    RETURN v_row;
END
$body$;
COMMENT ON FUNCTION erp.{{function}}(uuid, uuid, text, text, {{table}}, {{table}}, text) IS
    'Generated audited update of one {{entity}} row: version + 1 and one event with the changes.';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_write() IS
    'Generator template (placeholders: function, table, table_name, entity, verbs, verb_hint, '
    'key_changed, statement).';
