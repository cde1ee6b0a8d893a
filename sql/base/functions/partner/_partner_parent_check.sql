-- Checks the parent of a partner that is being created (p_old NULL), re-parented or restored:
-- the parent exists in this tenant (ZE001), is a company (ZE009) and is active (ZE009), and,
-- when an existing partner changes parent, the new parent is not the partner itself or one of
-- its descendants (ZE009: a cycle). The parent row is locked FOR KEY SHARE (what the foreign
-- key takes anyway): partner_archive and a change of kind lock it FOR UPDATE, so they wait
-- for this transaction and then see its contact. The caller of a re-parenting holds
-- erp._tenant_lock, so two concurrent moves cannot build a cycle together.
CREATE OR REPLACE FUNCTION erp._partner_parent_check(
    p_tenant_id uuid, p_old erp.erp_partners, p_new erp.erp_partners
) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_parent erp.erp_partners;
BEGIN
    IF p_new.parent_id IS NULL THEN
        RETURN;
    END IF;
    IF p_new.parent_id = p_new.id THEN
        RAISE EXCEPTION 'partner % cannot be its own parent', p_new.code USING ERRCODE = 'ZE009';
    END IF;
    SELECT p.* INTO v_parent FROM erp.erp_partners AS p
    WHERE p.tenant_id = p_tenant_id AND p.id = p_new.parent_id
    FOR KEY SHARE;  -- after a wait, the row as its last writer committed it
    IF NOT FOUND THEN
        RAISE EXCEPTION 'parent partner % not found in this tenant', p_new.parent_id USING ERRCODE = 'ZE001';
    END IF;
    IF v_parent.kind <> 'company' THEN
        RAISE EXCEPTION 'parent % is a person: a partner can only belong to a company', v_parent.code
            USING ERRCODE = 'ZE009';
    END IF;
    IF NOT v_parent.active THEN
        RAISE EXCEPTION 'parent company % is archived', v_parent.code
            USING ERRCODE = 'ZE009', HINT = 'Restore the company first, or choose another parent.';
    END IF;
    IF p_old.id IS NOT NULL AND p_old.parent_id IS DISTINCT FROM p_new.parent_id THEN
        IF EXISTS (
            WITH RECURSIVE up (id, parent_id) AS (
                SELECT v_parent.id, v_parent.parent_id
                UNION
                SELECT p.id, p.parent_id
                FROM erp.erp_partners AS p JOIN up ON p.id = up.parent_id
                WHERE p.tenant_id = p_tenant_id
            )
            SELECT 1 FROM up WHERE up.id = p_new.id
        ) THEN
            RAISE EXCEPTION 'partner % cannot belong to %: % already belongs (directly or indirectly) to %',
                p_new.code, v_parent.code, v_parent.code, p_new.code
                USING ERRCODE = 'ZE009', HINT = 'Parent chains may not form cycles.';
        END IF;
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._partner_parent_check(uuid, erp.erp_partners, erp.erp_partners) IS
    'Parent of a partner: exists (ZE001), active company, no cycle (ZE009); locks it FOR KEY SHARE.';
