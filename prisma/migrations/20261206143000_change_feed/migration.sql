-- The change feed (issue 28): every committed change to what cached answers are made of is
-- announced on the channel "gateway_changes" as "<table> <tenant id> <operation>", with "*" for
-- the tenant when the row names none (a project's plan, a project key). NOTIFY is delivered on commit only,
-- once per distinct payload per transaction, to every process listening on the database.
-- The body is an escape string whose semicolons are written \073: the PostgreSQL driver adapter
-- runs a migration by splitting its text at every semicolon (quotes and dollar quotes included),
-- so the function's text may hold none.
CREATE FUNCTION "gateway_announce_change"() RETURNS trigger LANGUAGE plpgsql AS E'
DECLARE
  changed jsonb := to_jsonb(COALESCE(NEW, OLD))\073
  tenant text := CASE WHEN TG_ARGV[0] = ''*'' THEN NULL ELSE changed ->> TG_ARGV[0] END\073
BEGIN
  PERFORM pg_notify(''gateway_changes'', TG_TABLE_NAME || '' '' || COALESCE(tenant, ''*'') || '' '' || TG_OP)\073
  IF TG_OP = ''UPDATE'' AND TG_ARGV[0] <> ''*'' AND (to_jsonb(OLD) ->> TG_ARGV[0]) IS DISTINCT FROM tenant THEN
    PERFORM pg_notify(''gateway_changes'', TG_TABLE_NAME || '' '' || COALESCE(to_jsonb(OLD) ->> TG_ARGV[0], ''*'') || '' '' || TG_OP)\073
  END IF\073
  RETURN NULL\073
END
';

CREATE TRIGGER "announce_change" AFTER INSERT OR UPDATE OR DELETE ON "Tenant" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('id');
CREATE TRIGGER "announce_change" AFTER INSERT OR UPDATE OR DELETE ON "TenantConfig" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('tenantId');
CREATE TRIGGER "announce_change" AFTER INSERT OR UPDATE OR DELETE ON "TenantFeature" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('tenantId');
CREATE TRIGGER "announce_change" AFTER INSERT OR UPDATE OR DELETE ON "TenantGatewayConfig" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('tenantId');
CREATE TRIGGER "announce_change" AFTER INSERT OR UPDATE OR DELETE ON "ResourceLimit" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('tenantId');
-- A key's last use is written in batches and changes no answer: it is not announced.
CREATE TRIGGER "announce_change" AFTER INSERT OR DELETE ON "ApiKey" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('tenantId');
CREATE TRIGGER "announce_update" AFTER UPDATE ON "ApiKey" FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'lastUsedAt') IS DISTINCT FROM (to_jsonb(NEW) - 'lastUsedAt'))
  EXECUTE FUNCTION "gateway_announce_change"('tenantId');
CREATE TRIGGER "announce_change" AFTER INSERT OR UPDATE OR DELETE ON "CustomDomain" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('tenantId');
CREATE TRIGGER "announce_change" AFTER INSERT OR UPDATE OR DELETE ON "Project" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('*');
CREATE TRIGGER "announce_truncate" AFTER TRUNCATE ON "Tenant" FOR EACH STATEMENT EXECUTE FUNCTION "gateway_announce_change"('*');
CREATE TRIGGER "announce_truncate" AFTER TRUNCATE ON "TenantConfig" FOR EACH STATEMENT EXECUTE FUNCTION "gateway_announce_change"('*');
CREATE TRIGGER "announce_truncate" AFTER TRUNCATE ON "TenantFeature" FOR EACH STATEMENT EXECUTE FUNCTION "gateway_announce_change"('*');
