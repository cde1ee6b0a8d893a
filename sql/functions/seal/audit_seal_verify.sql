-- Checks a tenant's seal chain against the trail; no rows when every sealed event is present
-- and unchanged and nothing was slipped into a sealed range. It detects what the owner or a
-- superuser did with the immutability triggers disabled:
--   changed_event   a sealed event whose canonical line hashes differently now
--   deleted_event   a sealed event that is gone (months purged by erp.audit_purge excepted)
--   inserted_event  an event inside the sealed range that no block lists
--   changed_block   a block whose stored hash is not the hash of its own content
--   deleted_block   a block number missing from the chain
--   broken_link     a block whose prev_hash is not the previous block's hash
--   head_mismatch   the head (erp.erp_audit_seal_heads) disagrees with the last block or with
--                   the number of events the blocks hold
-- The sealed range ends at the later of the head's position and the last block's, so neither a
-- rewound head nor a deleted head row hides the events of the blocks. Blocks cut off the tail
-- together with a rewritten head can only be detected against a head handed out earlier
-- (erp.audit_seal_head): compare them. An unknown tenant is ZE006 (never a clean answer).
CREATE OR REPLACE FUNCTION erp.audit_seal_verify(p_tenant_id uuid)
RETURNS TABLE (problem text, block_no bigint, event_id uuid, detail jsonb)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_head erp.erp_audit_seal_heads;
    v_last erp.erp_audit_seals;
    v_through_xact xid8;
    v_through_id uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id) THEN
        RAISE EXCEPTION 'unknown tenant %', coalesce(p_tenant_id::text, 'NULL') USING ERRCODE = 'ZE006';
    END IF;
    SELECT h.* INTO v_head FROM erp.erp_audit_seal_heads AS h WHERE h.tenant_id = p_tenant_id;
    SELECT b.* INTO v_last FROM erp.erp_audit_seals AS b WHERE b.tenant_id = p_tenant_id
    ORDER BY b.block_no DESC LIMIT 1;
    -- the sealed range: up to the later of the head's and the last block's position
    IF v_last.tenant_id IS NOT NULL AND (v_head.tenant_id IS NULL
        OR (v_last.through_xact, v_last.through_id) > (v_head.through_xact, v_head.through_id)) THEN
        v_through_xact := v_last.through_xact;
        v_through_id := v_last.through_id;
    ELSE
        v_through_xact := v_head.through_xact;
        v_through_id := v_head.through_id;
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
                b.event_ids, b.event_hashes, b.prev_hash, b.hash, b.sealed_at, b.db_user)::erp.erp_audit_seals))
    FROM blocks AS b
    WHERE b.hash IS DISTINCT FROM erp._audit_block_hash(
        ROW(b.tenant_id, b.block_no, b.month, b.after_xact, b.after_id, b.through_xact, b.through_id, b.events,
            b.event_ids, b.event_hashes, b.prev_hash, b.hash, b.sealed_at, b.db_user)::erp.erp_audit_seals)
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
    WHERE (v_head.block_no, v_head.hash, v_head.through_xact, v_head.through_id, v_head.events)
        IS DISTINCT FROM (l.block_no, l.hash, l.through_xact, l.through_id,
            (SELECT sum(b.events)::bigint FROM blocks AS b));

    RETURN QUERY
    WITH stored AS (
        SELECT b.block_no, u.id, substring(b.event_hashes FROM (u.ord::integer - 1) * 32 + 1 FOR 32) AS h
        FROM erp.erp_audit_seals AS b
        CROSS JOIN LATERAL unnest(b.event_ids) WITH ORDINALITY AS u (id, ord)
        WHERE b.tenant_id = p_tenant_id
            AND NOT EXISTS (SELECT 1 FROM erp_meta.audit_purges AS p WHERE p.month = b.month)
    ),
    actual AS (
        SELECT e.id, e.xact_id, sha256(convert_to(erp._audit_canonical(e), 'UTF8')) AS h
        FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = p_tenant_id AND v_through_xact IS NOT NULL
            AND (e.xact_id, e.id) <= (v_through_xact, v_through_id)
    )
    SELECT CASE WHEN s.id IS NULL THEN 'inserted_event' WHEN a.id IS NULL THEN 'deleted_event' ELSE 'changed_event' END,
        coalesce(s.block_no, (SELECT b.block_no FROM erp.erp_audit_seals AS b
            WHERE b.tenant_id = p_tenant_id AND b.month = erp._audit_month(a.id)
                AND (a.xact_id, a.id) > (b.after_xact, b.after_id) AND (a.xact_id, a.id) <= (b.through_xact, b.through_id))),
        coalesce(s.id, a.id),
        jsonb_build_object('sealed_sha256', encode(s.h, 'hex'), 'actual_sha256', encode(a.h, 'hex'))
    FROM stored AS s
    FULL JOIN actual AS a ON a.id = s.id
    WHERE s.id IS NULL OR a.id IS NULL OR s.h <> a.h;
END
$fn$;
COMMENT ON FUNCTION erp.audit_seal_verify(uuid) IS
    'Checks a tenant''s seal chain against the trail: changed/deleted/inserted events, changed/deleted blocks, broken links.';
REVOKE ALL ON FUNCTION erp.audit_seal_verify(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_seal_verify(uuid) TO erp_auditor, erp_admin;
