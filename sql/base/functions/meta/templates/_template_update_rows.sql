-- Fragment of erp._<prefix>_write: the statement that updates p_old's row to p_new (version
-- + 1), feeding its event ({{audit}}) with the changes computed from the typed rows.
CREATE OR REPLACE FUNCTION erp_meta._template_update_rows() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
WITH upd AS (
    UPDATE {{table}} AS t
    SET {{sets}}
    WHERE t.tenant_id = p_tenant_id
        AND t.id = p_old.id
    RETURNING t.*
), {{audit}}
SELECT * INTO v_row FROM upd;
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_update_rows() IS
    'Generator template (placeholders: table, sets, audit).';
