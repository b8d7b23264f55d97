-- Job progress on the change feed (issue 30, the `jobProgress` subscription): the rows a
-- long-running job moves through its phases are announced like the cached tables of
-- 20261206143000_change_feed, on the same channel and by the same function, so every replica
-- hears a backup, restore, rollout, regional deploy or database move advance, whichever process
-- runs it. No cached answer is made of these rows (src/graphql/cacheable-operations.ts): the
-- response cache ignores them (src/app.ts). A rollout names no tenant: it is announced as "*",
-- and its targets by their tenant.
CREATE TRIGGER "announce_change" AFTER INSERT OR UPDATE OR DELETE ON "BackupJob" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('tenantId');
CREATE TRIGGER "announce_change" AFTER INSERT OR UPDATE OR DELETE ON "SchemaRollout" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('*');
CREATE TRIGGER "announce_change" AFTER INSERT OR UPDATE OR DELETE ON "SchemaRolloutTarget" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('tenantId');
CREATE TRIGGER "announce_change" AFTER INSERT OR UPDATE OR DELETE ON "TenantDeployment" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('tenantId');
CREATE TRIGGER "announce_change" AFTER INSERT OR UPDATE OR DELETE ON "TenantDatabase" FOR EACH ROW EXECUTE FUNCTION "gateway_announce_change"('tenantId');
