-- Checks a tenant's seal chain against the trail; no rows when every sealed event is present
-- and unchanged and nothing was slipped into a sealed range. It detects what the owner or a
-- superuser did with the immutability triggers disabled:
--   changed_event   a sealed event whose canonical line hashes differently now
--   deleted_event   a sealed event that is gone (months purged by erp.audit_purge excepted: a
--                   month counts as purged only when a purged event of this tenant names it
--                   AND the purge ledger erp_meta.audit_purges has it; a ledger row alone
--                   proves nothing)
--   inserted_event  an event inside the sealed range that no block lists
--   changed_block   a block whose stored hash is not the hash of its own content
--   deleted_block   a block number missing from the chain
--   broken_link     a block whose prev_hash is not the previous block's hash
--   head_mismatch   the head (erp.erp_audit_seal_heads) disagrees with the last block or with
--                   the number of events the blocks hold
--   witness_mismatch  the chain does not contain p_expected_head ('<block_no>:<hash>', a head
--                   printed earlier by erp.audit_seal_head and kept outside the database)
--   unproven_purge  the purge ledger names a month of this tenant's blocks, but no purged
--                   event of the tenant does (a forged ledger row, or a deleted event)
--   restore_not_recorded  events lie beyond this cluster's transaction counter: the trail was
--                   restored from another cluster (or an event was written with a forged
--                   xact_id) and erp.audit_restored() was not run; until it is, such events
--                   cannot be placed, and inserted_event is not reported (it would be a
--                   false alarm)
-- Events are placed by (era, xact_id, id) (erp_meta.audit_eras). The sealed range ends at the
-- later of the head's position and the last block's, so neither a rewound head nor a deleted
-- head row hides the events of the blocks. Blocks cut off the tail together with a rewritten
-- head, or a chain rewritten by the owner, can only be detected against a head handed out
-- earlier: pass it as p_expected_head. An unknown tenant is ZE006 (never a clean answer); a
-- malformed p_expected_head is ZE003.
CREATE OR REPLACE FUNCTION erp.audit_seal_verify(p_tenant_id uuid, p_expected_head text DEFAULT NULL)
RETURNS TABLE (problem text, block_no bigint, event_id uuid, detail jsonb)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_head erp.erp_audit_seal_heads;
    v_last erp.erp_audit_seals;
    v_through_era integer;
    v_through_xact xid8;
    v_through_id uuid;
    v_pending bigint;
    v_first uuid;
    v_expected_no bigint;
    v_expected_hash text;
    v_eras integer := (SELECT count(*)::integer FROM erp_meta.audit_eras AS r);  -- none: every era is 0
BEGIN
    IF NOT EXISTS (SELECT 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id) THEN
        RAISE EXCEPTION 'unknown tenant %', coalesce(p_tenant_id::text, 'NULL') USING ERRCODE = 'ZE006';
    END IF;
    IF p_expected_head IS NOT NULL THEN
        IF p_expected_head !~ '^[0-9]{1,18}:[0-9a-f]{64}$' THEN
            RAISE EXCEPTION 'p_expected_head % is not a seal head', erp._clip(p_expected_head, 90)
                USING ERRCODE = 'ZE003', HINT = 'Pass ''<block_no>:<hash>'' as printed by python -m harness audit seal-head.';
        END IF;
        v_expected_no := split_part(p_expected_head, ':', 1)::bigint;
        v_expected_hash := split_part(p_expected_head, ':', 2);
    END IF;
    SELECT h.* INTO v_head FROM erp.erp_audit_seal_heads AS h WHERE h.tenant_id = p_tenant_id;
    SELECT b.* INTO v_last FROM erp.erp_audit_seals AS b WHERE b.tenant_id = p_tenant_id
    ORDER BY b.block_no DESC LIMIT 1;
    -- the sealed range: up to the later of the head's and the last block's position
    IF v_last.tenant_id IS NOT NULL AND (v_head.tenant_id IS NULL
        OR (v_last.through_era, v_last.through_xact, v_last.through_id)
        > (v_head.through_era, v_head.through_xact, v_head.through_id)) THEN
        v_through_era := v_last.through_era;
        v_through_xact := v_last.through_xact;
        v_through_id := v_last.through_id;
    ELSE
        v_through_era := v_head.through_era;
        v_through_xact := v_head.through_xact;
        v_through_id := v_head.through_id;
    END IF;
    -- events of the current era beyond the transaction counter: a restore nobody recorded
    SELECT count(*), min(e.id::text)::uuid INTO v_pending, v_first FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = p_tenant_id AND e.xact_id >= pg_snapshot_xmax(pg_current_snapshot())
        AND e.xact_id IS DISTINCT FROM pg_current_xact_id_if_assigned()  -- our own may lie at xmax
        AND e.id > coalesce((SELECT max(r.after_id::text)::uuid FROM erp_meta.audit_eras AS r),
            '00000000-0000-0000-0000-000000000000'::uuid);
    IF v_pending > 0 THEN
        problem := 'restore_not_recorded';
        block_no := NULL;
        event_id := NULL;
        detail := jsonb_build_object('events', v_pending, 'first_event', v_first,
            'hint', 'SELECT erp.audit_restored(NULL, ''SYSTEM'', ''restore''); as erp_admin, once, after pg_restore');
        RETURN NEXT;
    END IF;
    IF v_expected_no IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM erp.erp_audit_seals AS b
        WHERE b.tenant_id = p_tenant_id AND b.block_no = v_expected_no AND b.hash = v_expected_hash
    ) THEN
        problem := 'witness_mismatch';
        block_no := v_expected_no;
        event_id := NULL;
        detail := jsonb_build_object('expected_hash', v_expected_hash, 'stored_hash',
            (SELECT b.hash FROM erp.erp_audit_seals AS b WHERE b.tenant_id = p_tenant_id AND b.block_no = v_expected_no));
        RETURN NEXT;
    END IF;
    RETURN QUERY
    WITH blocks AS (
        SELECT b.*, lag(b.hash) OVER (ORDER BY b.block_no) AS prev_stored,
            lag(b.block_no) OVER (ORDER BY b.block_no) AS prev_no
        FROM erp.erp_audit_seals AS b WHERE b.tenant_id = p_tenant_id
    )
    SELECT 'changed_block', b.block_no, NULL::uuid,
        jsonb_build_object('stored', b.hash, 'computed', erp._audit_block_hash(
            ROW(b.tenant_id, b.block_no, b.month, b.after_xact, b.after_id, b.through_xact, b.through_id, b.events,
                b.event_ids, b.event_hashes, b.prev_hash, b.hash, b.sealed_at, b.db_user, b.after_era,
                b.through_era)::erp.erp_audit_seals))
    FROM blocks AS b
    WHERE b.hash IS DISTINCT FROM erp._audit_block_hash(
        ROW(b.tenant_id, b.block_no, b.month, b.after_xact, b.after_id, b.through_xact, b.through_id, b.events,
            b.event_ids, b.event_hashes, b.prev_hash, b.hash, b.sealed_at, b.db_user, b.after_era,
            b.through_era)::erp.erp_audit_seals)
        OR b.events IS DISTINCT FROM cardinality(b.event_ids)
        OR octet_length(b.event_hashes) IS DISTINCT FROM 32 * b.events
    UNION ALL
    SELECT 'deleted_block', g.n, NULL::uuid, jsonb_build_object('chain_length', v_head.block_no)
    FROM generate_series(1, greatest(v_head.block_no, (SELECT max(b.block_no) FROM blocks AS b))) AS g (n)
    WHERE NOT EXISTS (SELECT 1 FROM blocks AS b WHERE b.block_no = g.n)
    UNION ALL
    SELECT 'broken_link', b.block_no, NULL::uuid,
        jsonb_build_object('prev_hash', b.prev_hash, 'previous_block_hash', b.prev_stored)
    FROM blocks AS b
    WHERE b.prev_no = b.block_no - 1 AND b.prev_hash IS DISTINCT FROM b.prev_stored
        OR b.block_no = 1 AND b.prev_hash <> repeat('0', 64)
    UNION ALL
    SELECT 'head_mismatch', v_head.block_no, NULL::uuid,
        jsonb_build_object('head_hash', v_head.hash, 'head_events', v_head.events, 'last_block', l.block_no,
            'last_block_hash', l.hash)
    FROM (SELECT b.* FROM blocks AS b ORDER BY b.block_no DESC LIMIT 1) AS l
    WHERE (v_head.block_no, v_head.hash, v_head.through_era, v_head.through_xact, v_head.through_id, v_head.events)
        IS DISTINCT FROM (l.block_no, l.hash, l.through_era, l.through_xact, l.through_id,
            (SELECT sum(b.events)::bigint FROM blocks AS b));

    RETURN QUERY
    WITH purged AS (  -- months this tenant's own purged events name, and the ledger holds
        SELECT DISTINCT to_date(m.month, 'YYYY-MM') AS month
        FROM erp.erp_audit_events AS e
        CROSS JOIN LATERAL jsonb_array_elements_text(e.payload -> 'months') AS m (month)
        WHERE e.tenant_id = p_tenant_id AND e.entity_type = 'erp.base.audit' AND e.entity_id = p_tenant_id
            AND e.event_type = 'erp.base.audit.purged' AND jsonb_typeof(e.payload -> 'months') = 'array'
            AND m.month ~ '^[0-9]{4}-[0-9]{2}$'
    ),
    stored AS (
        SELECT b.block_no, u.id, substring(b.event_hashes FROM (u.ord::integer - 1) * 32 + 1 FOR 32) AS h
        FROM erp.erp_audit_seals AS b
        CROSS JOIN LATERAL unnest(b.event_ids) WITH ORDINALITY AS u (id, ord)
        WHERE b.tenant_id = p_tenant_id
            AND NOT (b.month IN (SELECT p.month FROM purged AS p)
                AND EXISTS (SELECT 1 FROM erp_meta.audit_purges AS l WHERE l.month = b.month))
    ),
    actual AS (
        SELECT e.id, CASE WHEN v_eras = 0 THEN 0 ELSE erp._audit_era(e.id) END AS era, e.xact_id,
            sha256(convert_to(erp._audit_canonical(e), 'UTF8')) AS h
        FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = p_tenant_id AND v_through_xact IS NOT NULL
            AND (CASE WHEN v_eras = 0 THEN 0 ELSE erp._audit_era(e.id) END, e.xact_id, e.id)
            <= (v_through_era, v_through_xact, v_through_id)
    )
    SELECT 'unproven_purge', min(b.block_no), NULL::uuid,
        jsonb_build_object('month', to_char(b.month, 'YYYY-MM'),
            'reason', 'the purge ledger names the month, no purged event of this tenant does')
    FROM erp.erp_audit_seals AS b
    WHERE b.tenant_id = p_tenant_id
        AND EXISTS (SELECT 1 FROM erp_meta.audit_purges AS l WHERE l.month = b.month)
        AND b.month NOT IN (SELECT p.month FROM purged AS p)
    GROUP BY b.month
    UNION ALL
    SELECT CASE WHEN s.id IS NULL THEN 'inserted_event' WHEN a.id IS NULL THEN 'deleted_event' ELSE 'changed_event' END,
        coalesce(s.block_no, (SELECT b.block_no FROM erp.erp_audit_seals AS b
            WHERE b.tenant_id = p_tenant_id AND b.month = erp._audit_month(a.id)
                AND (a.era, a.xact_id, a.id) > (b.after_era, b.after_xact, b.after_id)
                AND (a.era, a.xact_id, a.id) <= (b.through_era, b.through_xact, b.through_id))),
        coalesce(s.id, a.id),
        jsonb_build_object('sealed_sha256', encode(s.h, 'hex'), 'actual_sha256', encode(a.h, 'hex'))
    FROM stored AS s
    FULL JOIN actual AS a ON a.id = s.id
    WHERE (s.id IS NULL AND v_pending = 0) OR a.id IS NULL OR s.h <> a.h;
END
$fn$;
COMMENT ON FUNCTION erp.audit_seal_verify(uuid, text) IS
    'Checks a tenant''s seal chain against the trail (and against a head kept outside): changed/deleted/inserted '
    'events, changed/deleted blocks, broken links, a restore not recorded.';
REVOKE ALL ON FUNCTION erp.audit_seal_verify(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_seal_verify(uuid, text) TO erp_auditor, erp_admin;
