-- Purges the partition holding p_month: refused (ZE009, nothing dropped) unless every month
-- in it is older than the retention period, exported with its current digest and sealed for
-- every tenant (erp._audit_purge_blocker names the first obstacle), checked once no
-- transaction writes into the partition any more (ZE009 if one keeps writing). Then each tenant with
-- events there gets an erp.base.audit.purged event (the boundary verify starts after, with the
-- archive's digest and location and the tenant's seal head), the months go into
-- erp_meta.audit_purges, and the partition is detached and dropped: DDL, never a row-level
-- UPDATE or DELETE. DETACH needs a moment of ACCESS EXCLUSIVE on the trail, and writers queue
-- behind it while it waits: it waits at most 200 ms per attempt and retries (50 attempts).
-- One transaction: after a crash the month is either whole or gone.
CREATE OR REPLACE FUNCTION erp.audit_purge(p_actor_user_id uuid, p_actor_type text, p_trace_id text, p_month date)
RETURNS TABLE (partition text, events bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET "TimeZone" = 'UTC'
AS $fn$
DECLARE
    v_month date;
    v_part record;
    v_blocker text;
    v_lock_timeout text := current_setting('lock_timeout');
    v_attempt integer := 0;
BEGIN
    -- the partition's name comes from the catalog (regclass)
    -- @plpgsql_check_options: security_warnings = false
    PERFORM erp._actor_check(p_actor_user_id, p_actor_type, p_trace_id);
    v_month := erp._audit_month_check(p_month);
    IF v_month >= date_trunc('month', now())::date THEN
        RAISE EXCEPTION '% is the current month or later: it cannot be purged', to_char(v_month, 'YYYY-MM')
            USING ERRCODE = 'ZE009';
    END IF;
    PERFORM 1 FROM erp_meta.audit_settings FOR UPDATE;  -- not while audit_maintain runs
    SELECT p.* INTO v_part FROM erp._audit_partition_list() AS p
    WHERE NOT p.is_default AND erp._audit_bound(v_month) >= coalesce(p.lo, '00000000-0000-0000-0000-000000000000'::uuid)
        AND erp._audit_bound(v_month) < p.hi;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no partition holds %: it was purged already, or never had one', to_char(v_month, 'YYYY-MM')
            USING ERRCODE = 'ZE009', HINT = 'erp.audit_partitions() lists the partitions.';
    END IF;
    -- check after the lock: a transaction still writing into the partition (open or prepared)
    -- holds ROW EXCLUSIVE on it; EXCLUSIVE waits for it and keeps new writers out (readers
    -- go on), so the checks below see every event the partition will ever hold
    PERFORM set_config('lock_timeout', '200ms', true);
    LOOP
        BEGIN
            EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', v_part.partition);
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            v_attempt := v_attempt + 1;
            IF v_attempt >= 25 THEN
                RAISE EXCEPTION '% may not be purged: a transaction still writes into it', v_part.partition
                    USING ERRCODE = 'ZE009',
                    HINT = 'Let it commit or roll back (pg_prepared_xacts lists prepared ones); run the purge again.';
            END IF;
            PERFORM pg_sleep(least(0.05 * v_attempt, 0.5));
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', v_lock_timeout, true);
    v_attempt := 0;
    v_blocker := erp._audit_purge_blocker(v_part.lo, v_part.hi);
    IF v_blocker IS NOT NULL THEN
        RAISE EXCEPTION '% may not be purged: %', v_part.partition, v_blocker USING ERRCODE = 'ZE009';
    END IF;

    EXECUTE format('SELECT count(*) FROM %s', v_part.partition) INTO events;
    PERFORM erp._audit_append(t.tenant_id, p_actor_user_id, p_actor_type, p_trace_id, 'erp.base.audit', t.tenant_id,
        'erp.base.audit.purged', NULL,
        jsonb_build_object('partition', v_part.partition::text, 'months', t.months, 'events', t.events,
            'first_id', t.first_id, 'last_id', t.last_id,
            'archives', (SELECT jsonb_agg(jsonb_build_object('month', to_char(a.month, 'YYYY-MM'), 'sha256', a.sha256,
                'location', a.location) ORDER BY a.month)
                FROM (SELECT DISTINCT ON (x.month) x.* FROM erp_meta.audit_archives AS x
                    WHERE x.month = ANY (t.month_dates) ORDER BY x.month, x.archived_at DESC) AS a),
            'seal_block', h.block_no, 'seal_hash', h.hash),
        NULL)
    FROM (
        SELECT e.tenant_id, count(*) AS events, min(e.id::text)::uuid AS first_id, max(e.id::text)::uuid AS last_id,
            array_agg(DISTINCT to_char(erp._audit_month(e.id), 'YYYY-MM')) AS months,
            array_agg(DISTINCT erp._audit_month(e.id)) AS month_dates
        FROM erp.erp_audit_events AS e
        WHERE e.id >= coalesce(v_part.lo, '00000000-0000-0000-0000-000000000000'::uuid) AND e.id < v_part.hi
        GROUP BY e.tenant_id
    ) AS t
    LEFT JOIN erp.erp_audit_seal_heads AS h ON h.tenant_id = t.tenant_id;
    INSERT INTO erp_meta.audit_purges (month, partition_name, events, sha256)
    SELECT a.month, v_part.partition::text, a.events, a.sha256
    FROM (SELECT DISTINCT ON (x.month) x.* FROM erp_meta.audit_archives AS x
        WHERE x.month >= erp._audit_month(coalesce(v_part.lo, '00000000-0000-0000-0000-000000000000'::uuid))
            AND x.month < erp._audit_month(v_part.hi)
        ORDER BY x.month, x.archived_at DESC) AS a;
    IF NOT FOUND THEN  -- an empty partition: record its month all the same
        INSERT INTO erp_meta.audit_purges (month, partition_name, events, sha256)
        VALUES (v_month, v_part.partition::text, 0, repeat('0', 64));
    END IF;

    -- waiting for ACCESS EXCLUSIVE queues writers behind us: wait briefly, often
    PERFORM set_config('lock_timeout', '200ms', true);
    LOOP
        BEGIN
            EXECUTE format('ALTER TABLE erp.erp_audit_events DETACH PARTITION %s', v_part.partition);
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            v_attempt := v_attempt + 1;
            IF v_attempt >= 50 THEN
                RAISE EXCEPTION 'the audit trail stayed busy: % could not be detached in 50 attempts', v_part.partition
                    USING ERRCODE = '55P03', HINT = 'A long transaction reads the trail; run the purge again later.';
            END IF;
            PERFORM pg_sleep(least(0.05 * v_attempt, 1));
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', v_lock_timeout, true);
    partition := v_part.partition::text;  -- the name, while it has one (a dropped regclass prints as its oid)
    EXECUTE format('DROP TABLE %s', v_part.partition);
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION erp.audit_purge(uuid, text, text, date) IS
    'Drops the audit partition of a month once retention, archive and seal allow it (ZE009 otherwise), recording purged events.';
REVOKE ALL ON FUNCTION erp.audit_purge(uuid, text, text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_purge(uuid, text, text, date) TO erp_admin;
