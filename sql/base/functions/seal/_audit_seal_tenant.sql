-- Seals one tenant's committed, not yet sealed events into the next blocks of its chain.
-- Events are taken in (era, xact_id, id) order after the head's position (eras:
-- erp_meta.audit_eras, the restores recorded by erp.audit_restored). In the current era the
-- horizon is the snapshot's xmin: every transaction below it has ended, so events whose
-- xact_id is below it are final (committed, and visible; a rolled-back one never is), while
-- an event of a transaction still open is left to a later run, never skipped; an earlier era
-- was restored whole and is final. At most 10000 events per block, one block per UTC month
-- met. The head row is locked FOR UPDATE SKIP LOCKED: a second seal of the same tenant skips
-- it instead of waiting, and nothing here locks an event, so writers and sealers never wait
-- for each other. A restore that was not recorded is ZE009 (erp._audit_restore_check).
CREATE OR REPLACE FUNCTION erp._audit_seal_tenant(p_tenant_id uuid)
RETURNS TABLE (tenant_id uuid, block_no bigint, events bigint, hash text)
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_head erp.erp_audit_seal_heads;
    v_horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
    v_current integer := (SELECT count(*)::integer FROM erp_meta.audit_eras AS r);
    v_era integer;
    v_from_xact xid8;
    v_from_id uuid;
    v_lo uuid;
    v_hi uuid;
    v_below xid8;
    v_batch_xact xid8;
    v_batch_id uuid;
    v_month date;
    v_block erp.erp_audit_seals;
BEGIN
    PERFORM erp._audit_restore_check(p_tenant_id);
    INSERT INTO erp.erp_audit_seal_heads AS h (tenant_id) VALUES (p_tenant_id)
    ON CONFLICT ON CONSTRAINT erp_audit_seal_heads_pkey DO NOTHING;
    SELECT h.* INTO v_head FROM erp.erp_audit_seal_heads AS h WHERE h.tenant_id = p_tenant_id
    FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN;  -- another seal of this tenant is running
    END IF;
    v_era := v_head.through_era;
    v_from_xact := v_head.through_xact;
    v_from_id := v_head.through_id;
    LOOP
        v_lo := coalesce((SELECT r.after_id FROM erp_meta.audit_eras AS r WHERE r.era = v_era),
            '00000000-0000-0000-0000-000000000000'::uuid);
        v_hi := coalesce((SELECT r.after_id FROM erp_meta.audit_eras AS r WHERE r.era = v_era + 1),
            'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid);
        v_below := CASE WHEN v_era = v_current THEN v_horizon ELSE '18446744073709551615'::xid8 END;
        -- the end of this batch: at most 10000 events of this era after the position, all final
        v_batch_xact := NULL;
        SELECT b.xact_id, b.id INTO v_batch_xact, v_batch_id
        FROM (
            SELECT e.xact_id, e.id FROM erp.erp_audit_events AS e
            WHERE e.tenant_id = p_tenant_id AND (e.xact_id, e.id) > (v_from_xact, v_from_id)
                AND e.xact_id < v_below AND e.id > v_lo AND e.id <= v_hi
            ORDER BY e.xact_id, e.id
            LIMIT 10000
        ) AS b
        ORDER BY b.xact_id DESC, b.id DESC LIMIT 1;
        IF v_batch_xact IS NULL THEN
            EXIT WHEN v_era >= v_current;
            v_era := v_era + 1;  -- this era is sealed through: the next one starts at its beginning
            v_from_xact := '0'::xid8;
            v_from_id := '00000000-0000-0000-0000-000000000000'::uuid;
            CONTINUE;
        END IF;
        FOR v_month IN
            SELECT DISTINCT erp._audit_month(e.id) FROM erp.erp_audit_events AS e
            WHERE e.tenant_id = p_tenant_id AND (e.xact_id, e.id) > (v_from_xact, v_from_id)
                AND (e.xact_id, e.id) <= (v_batch_xact, v_batch_id) AND e.id > v_lo AND e.id <= v_hi
            ORDER BY 1
        LOOP
            v_block := NULL;
            SELECT p_tenant_id, v_head.block_no + 1, v_month, v_head.through_xact, v_head.through_id,
                v_batch_xact, v_batch_id, count(*), array_agg(s.id ORDER BY s.xact_id, s.id),
                string_agg(s.h, ''::bytea ORDER BY s.xact_id, s.id), v_head.hash, NULL, clock_timestamp(),
                session_user::text, v_head.through_era, v_era
            INTO v_block
            FROM (
                SELECT e.xact_id, e.id, sha256(convert_to(erp._audit_canonical(e), 'UTF8')) AS h
                FROM erp.erp_audit_events AS e
                WHERE e.tenant_id = p_tenant_id AND (e.xact_id, e.id) > (v_from_xact, v_from_id)
                    AND (e.xact_id, e.id) <= (v_batch_xact, v_batch_id) AND e.id > v_lo AND e.id <= v_hi
                    AND e.id >= erp._audit_bound(v_month) AND e.id < erp._audit_bound((v_month + interval '1 month')::date)
            ) AS s;
            v_block.hash := erp._audit_block_hash(v_block);
            INSERT INTO erp.erp_audit_seals VALUES (v_block.*);
            v_head.block_no := v_block.block_no;
            v_head.hash := v_block.hash;
            v_head.events := v_head.events + v_block.events;
            tenant_id := p_tenant_id;
            block_no := v_block.block_no;
            events := v_block.events;
            hash := v_block.hash;
            RETURN NEXT;
        END LOOP;
        v_head.through_era := v_era;
        v_head.through_xact := v_batch_xact;
        v_head.through_id := v_batch_id;
        v_from_xact := v_batch_xact;
        v_from_id := v_batch_id;
        UPDATE erp.erp_audit_seal_heads AS h
        SET block_no = v_head.block_no, through_era = v_head.through_era, through_xact = v_head.through_xact,
            through_id = v_head.through_id, hash = v_head.hash, events = v_head.events
        WHERE h.tenant_id = p_tenant_id;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION erp._audit_seal_tenant(uuid) IS
    'Seals a tenant''s final, unsealed events into new chain blocks (one per month, at most 10000 events each).';
