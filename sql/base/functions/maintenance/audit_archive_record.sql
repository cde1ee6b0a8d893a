-- Records that a month of the audit trail was exported: p_events and p_sha256 must equal the
-- month's digest now (ZE009 otherwise: the export is not of these events), p_location says
-- where the file went. Only a month that is over and has a partition can be archived (ZE009).
-- Each tenant with events in the month gets an erp.base.audit.archived
-- event. A month may be archived again (a second copy elsewhere); the latest record counts.
CREATE OR REPLACE FUNCTION erp.audit_archive_record(
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_month date,
    p_events bigint,
    p_sha256 text,
    p_location text
) RETURNS erp_meta.audit_archives
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_month date;
    v_digest record;
    v_row erp_meta.audit_archives;
BEGIN
    PERFORM erp._actor_check(p_actor_user_id, p_actor_type, p_trace_id);
    v_month := erp._audit_month_check(p_month);
    -- the month must be over: the archived event this records would change the current one
    IF v_month >= date_trunc('month', now() AT TIME ZONE 'UTC')::date THEN
        RAISE EXCEPTION '% is not over yet: only a past month can be archived', to_char(v_month, 'YYYY-MM')
            USING ERRCODE = 'ZE009', HINT = 'Archive it after its last day (UTC).';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM erp._audit_partition_list() AS p
        WHERE NOT p.is_default AND erp._audit_bound(v_month) >= coalesce(p.lo, '00000000-0000-0000-0000-000000000000'::uuid)
            AND erp._audit_bound(v_month) < p.hi) THEN
        RAISE EXCEPTION 'no partition holds %: there is nothing to archive (it was purged, or never had events)',
            to_char(v_month, 'YYYY-MM')
            USING ERRCODE = 'ZE009', HINT = 'erp.audit_partitions() lists the partitions.';
    END IF;
    IF p_location IS NULL OR btrim(p_location) = '' OR char_length(p_location) > 1000
        OR erp._has_invisible(p_location) THEN
        RAISE EXCEPTION 'p_location must say where the archive is, in at most 1000 visible characters'
            USING ERRCODE = 'ZE003';
    END IF;
    IF p_sha256 IS NULL OR p_sha256 !~ '^[0-9a-f]{64}$' OR p_events IS NULL OR p_events < 0 THEN
        RAISE EXCEPTION 'p_sha256 is 64 lower-case hex digits and p_events a count'
            USING ERRCODE = 'ZE003';
    END IF;
    SELECT * INTO v_digest FROM erp.audit_month_digest(v_month);
    IF (v_digest.events, v_digest.sha256) IS DISTINCT FROM (p_events, p_sha256) THEN
        RAISE EXCEPTION 'the export of % does not match its events: % events, digest %, the trail has % events, digest %',
            to_char(v_month, 'YYYY-MM'), p_events, left(p_sha256, 12), v_digest.events, left(v_digest.sha256, 12)
            USING ERRCODE = 'ZE009', HINT = 'Export the month again (python -m harness audit archive).';
    END IF;
    INSERT INTO erp_meta.audit_archives (month, archived_at, events, sha256, location, actor_user_id, actor_type, trace_id)
    VALUES (v_month, clock_timestamp(), p_events, p_sha256, p_location, p_actor_user_id, p_actor_type, p_trace_id)
    RETURNING * INTO v_row;
    PERFORM erp._audit_append(t.tenant_id, p_actor_user_id, p_actor_type, p_trace_id, 'erp.base.audit', t.tenant_id,
        'erp.base.audit.archived', NULL,
        jsonb_build_object('month', to_char(v_month, 'YYYY-MM'), 'events', t.events, 'month_events', p_events,
            'sha256', p_sha256, 'location', p_location),
        NULL)
    FROM (
        SELECT e.tenant_id, count(*) AS events FROM erp.erp_audit_events AS e
        WHERE e.id >= erp._audit_bound(v_month) AND e.id < erp._audit_bound((v_month + interval '1 month')::date)
        GROUP BY e.tenant_id
    ) AS t;
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.audit_archive_record(uuid, text, text, date, bigint, text, text) IS
    'Records the export of an audit month after checking it against the month''s digest (ZE009 if it differs).';
REVOKE ALL ON FUNCTION erp.audit_archive_record(uuid, text, text, date, bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_archive_record(uuid, text, text, date, bigint, text, text) TO erp_admin;
