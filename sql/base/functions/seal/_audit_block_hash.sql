-- The hash of a seal block: SHA-256 over the previous block's hash, the block's header and the
-- SHA-256 of each of its events' canonical lines, in order; lower-case hex. The header binds
-- the block to its tenant, number, month and position range, so no block can be moved. The
-- eras of the range (erp_meta.audit_eras) join the header when either is not 0, so the blocks
-- sealed before any restore keep their hashes.
CREATE OR REPLACE FUNCTION erp._audit_block_hash(p_block erp.erp_audit_seals) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.encode(pg_catalog.sha256(
        pg_catalog.convert_to(pg_catalog.concat_ws('|', (p_block).prev_hash, (p_block).tenant_id, (p_block).block_no,
            pg_catalog.to_char((p_block).month, 'YYYY-MM'), (p_block).after_xact, (p_block).after_id,
            (p_block).through_xact, (p_block).through_id, (p_block).events,
            CASE WHEN (p_block).after_era <> 0 OR (p_block).through_era <> 0
                THEN 'era ' || (p_block).after_era || '-' || (p_block).through_era END), 'UTF8')
        || (p_block).event_hashes), 'hex')
$fn$;
COMMENT ON FUNCTION erp._audit_block_hash(erp.erp_audit_seals) IS
    'sha256(prev_hash | tenant | block | month | range | events [| eras], then the event hashes) of a seal block.';
