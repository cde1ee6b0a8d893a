-- Checks an archive of a month (its event count and digest, as read from the file) against
-- what this database recorded: no rows when it is the archive recorded by
-- erp.audit_archive_record (any of the month's records) AND the seal chains agree with it:
-- the month digest folded over the sealed hashes of the month's events (every tenant's
-- blocks of that month, in id order) equals the archive's. A manifest recomputed after the
-- file was changed cannot pass: neither the recorded digest nor the seal moves with it. The
-- blocks outlive a purge, so the check works years later. Problems:
--   not_archived     the month has no archive record here
--   digest_mismatch  no archive record of the month has this count and digest
--   not_sealed       fewer events of the month are sealed than the archive holds
--   seal_mismatch    the sealed events of the month give another digest (or more events)
-- Installation-wide (no tenant); erp_auditor and erp_admin. A bad argument is ZE003.
CREATE OR REPLACE FUNCTION erp.audit_archive_check(p_month date, p_events bigint, p_sha256 text)
RETURNS TABLE (problem text, detail jsonb)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_month date := erp._audit_month_check(p_month);
    v_latest erp_meta.audit_archives;
    v_hash bytea;
    v_sealed bigint := 0::bigint;
    v_digest text := repeat('0', 64);
BEGIN
    IF p_sha256 IS NULL OR p_sha256 !~ '^[0-9a-f]{64}$' OR p_events IS NULL OR p_events < 0 THEN
        RAISE EXCEPTION 'p_sha256 is 64 lower-case hex digits and p_events a count' USING ERRCODE = 'ZE003';
    END IF;
    SELECT a.* INTO v_latest FROM erp_meta.audit_archives AS a WHERE a.month = v_month
    ORDER BY a.archived_at DESC LIMIT 1;
    IF NOT FOUND THEN
        problem := 'not_archived';
        detail := jsonb_build_object('month', to_char(v_month, 'YYYY-MM'));
        RETURN NEXT;
    ELSIF NOT EXISTS (SELECT 1 FROM erp_meta.audit_archives AS a
        WHERE a.month = v_month AND a.events = p_events AND a.sha256 = p_sha256) THEN
        problem := 'digest_mismatch';
        detail := jsonb_build_object('month', to_char(v_month, 'YYYY-MM'), 'events', p_events, 'sha256', p_sha256,
            'recorded_events', v_latest.events, 'recorded_sha256', v_latest.sha256,
            'recorded_at', v_latest.archived_at);
        RETURN NEXT;
    END IF;
    FOR v_hash IN
        SELECT substring(b.event_hashes FROM (u.ord::integer - 1) * 32 + 1 FOR 32)
        FROM erp.erp_audit_seals AS b
        CROSS JOIN LATERAL unnest(b.event_ids) WITH ORDINALITY AS u (id, ord)
        WHERE b.month = v_month
        ORDER BY u.id
    LOOP
        v_digest := erp._audit_digest_step(v_digest, v_hash);
        v_sealed := v_sealed + 1;
    END LOOP;
    IF v_sealed < p_events THEN
        problem := 'not_sealed';
        detail := jsonb_build_object('month', to_char(v_month, 'YYYY-MM'), 'events', p_events, 'sealed', v_sealed);
        RETURN NEXT;
    ELSIF (v_sealed, v_digest) IS DISTINCT FROM (p_events, p_sha256) THEN
        problem := 'seal_mismatch';
        detail := jsonb_build_object('month', to_char(v_month, 'YYYY-MM'), 'events', p_events, 'sha256', p_sha256,
            'sealed', v_sealed, 'sealed_sha256', v_digest);
        RETURN NEXT;
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp.audit_archive_check(date, bigint, text) IS
    'Checks an archive (events, digest) against the recorded archives and the seal chains of its month.';
REVOKE ALL ON FUNCTION erp.audit_archive_check(date, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_archive_check(date, bigint, text) TO erp_auditor, erp_admin;
