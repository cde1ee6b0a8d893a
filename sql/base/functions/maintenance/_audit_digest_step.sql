-- One step of a month digest: h = sha256(h || hex of one event's line hash), both lower-case
-- hex, from 64 zeros. audit_month_digest folds the canonical lines' hashes, audit_archive_check
-- the sealed event hashes; erp_ops/archive.py (Digest) computes the same fold in Python. A single
-- expression: inlined into the loops that use it.
CREATE OR REPLACE FUNCTION erp._audit_digest_step(p_digest text, p_line_sha256 bytea) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
        p_digest || pg_catalog.encode(p_line_sha256, 'hex'), 'UTF8')), 'hex')
$fn$;
COMMENT ON FUNCTION erp._audit_digest_step(text, bytea) IS
    'One step of a month digest: sha256 of the digest so far and one event''s line hash, in hex.';
