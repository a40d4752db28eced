-- Wakes idle workers in every process as soon as a job can run: each job that becomes
-- 'pending' (recorded, or put back by `inbox retry`) sends a notification on the channel
-- `shoporama_inbox`, delivered when its transaction commits. Identical notifications of one
-- transaction are folded into one by PostgreSQL. Workers still poll, so a missed
-- notification (a listener reconnecting) only delays a job by the poll interval.

CREATE FUNCTION shoporama_inbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('shoporama_inbox', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER shoporama_inbox_pending
    AFTER INSERT OR UPDATE OF state ON shoporama_inbox
    FOR EACH ROW WHEN (NEW.state = 'pending')
    EXECUTE FUNCTION shoporama_inbox_notify();
