-- ZE008 unless the actor is USER with a user id, or SYSTEM; trace ids are bounded.
CREATE OR REPLACE FUNCTION erp._actor_check(
    p_actor_user_id uuid, p_actor_type text, p_trace_id text
) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF p_actor_type IS NULL OR p_actor_type NOT IN ('USER', 'SYSTEM') THEN
        RAISE EXCEPTION 'invalid actor type %', erp._clip(p_actor_type, 20)
            USING ERRCODE = 'ZE008', HINT = 'p_actor_type is USER or SYSTEM.';
    END IF;
    IF p_actor_type = 'USER' AND p_actor_user_id IS NULL THEN
        RAISE EXCEPTION 'actor type USER needs p_actor_user_id'
            USING ERRCODE = 'ZE008', HINT = 'Pass the user id, or use actor type SYSTEM.';
    END IF;
    IF p_trace_id IS NOT NULL AND char_length(p_trace_id) > 200 THEN
        RAISE EXCEPTION 'trace id is longer than 200 characters (%)', char_length(p_trace_id)
            USING ERRCODE = 'ZE008';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._actor_check(uuid, text, text) IS
    'Validates the actor of a write (ZE008).';
