-- A change of a key names the key: "ApiKey <tenant id> <operation> <key id>" (20261206143000_change_feed
-- announced "<table> <tenant id> <operation>" only). A key of the operator or of a project names no
-- tenant, so each of their changes was "*" and woke every open subscription to re-check its own
-- key. Now a subscription wakes only for the key it was opened with (src/graphql/subscriptions.ts).
-- A second argument of the function, when given, names the column whose value ends the payload.
-- The triggers of the other tables give none and announce as before. Semicolons in the body are
-- written \073, as in 20261206143000_change_feed.
CREATE OR REPLACE FUNCTION "gateway_announce_change"() RETURNS trigger LANGUAGE plpgsql AS E'
DECLARE
  changed jsonb := to_jsonb(COALESCE(NEW, OLD))\073
  tenant text := CASE WHEN TG_ARGV[0] = ''*'' THEN NULL ELSE changed ->> TG_ARGV[0] END\073
  named text := CASE WHEN TG_NARGS > 1 THEN COALESCE('' '' || (changed ->> TG_ARGV[1]), '''') ELSE '''' END\073
BEGIN
  PERFORM pg_notify(''gateway_changes'', TG_TABLE_NAME || '' '' || COALESCE(tenant, ''*'') || '' '' || TG_OP || named)\073
  IF TG_OP = ''UPDATE'' AND TG_ARGV[0] <> ''*'' AND (to_jsonb(OLD) ->> TG_ARGV[0]) IS DISTINCT FROM tenant THEN
    PERFORM pg_notify(''gateway_changes'', TG_TABLE_NAME || '' '' || COALESCE(to_jsonb(OLD) ->> TG_ARGV[0], ''*'') || '' '' || TG_OP || named)\073
  END IF\073
  RETURN NULL\073
END
';

-- Each statement below runs on its own (the PostgreSQL adapter runs a script statement by
-- statement, autocommitted): CREATE OR REPLACE keeps each one whole and repeatable, never leaves
-- ApiKey without its triggers between two statements, and takes no ACCESS EXCLUSIVE lock as a
-- DROP TRIGGER would (PostgreSQL 14 and later).
CREATE OR REPLACE TRIGGER "announce_change" AFTER INSERT OR DELETE ON "ApiKey" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('tenantId', 'id');
CREATE OR REPLACE TRIGGER "announce_update" AFTER UPDATE ON "ApiKey" FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'lastUsedAt') IS DISTINCT FROM (to_jsonb(NEW) - 'lastUsedAt'))
  EXECUTE FUNCTION "gateway_announce_change"('tenantId', 'id');
