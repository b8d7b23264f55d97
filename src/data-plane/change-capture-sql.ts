/**
 * Change capture for point-in-time recovery of tenant rows (issue 27), installed once per
 * data-plane database by the provisioning login: a schema `tdb_capture` no tenant login can read,
 * a log of row changes and one row per writing transaction stamped at its commit.
 *
 * Why triggers, not logical decoding: neither PGlite nor a customer's managed server is sure to
 * give `wal_level = logical` or `track_commit_timestamp`, and a replication slot left behind
 * holds WAL for ever. Triggers run in the writing transaction, so a change is logged if and only
 * if it commits; a deferred constraint trigger stamps the transaction's commit time
 * (`clock_timestamp()` as the commit begins: for two transactions touching one row, the later
 * waits for the earlier's commit, so stamp order is commit order wherever order matters). A
 * transaction that made its constraints immediate (`SET CONSTRAINTS ALL IMMEDIATE`) is stamped
 * again at each later write, so its stamp is never older than its last change.
 *
 * - `capture_row()` (AFTER INSERT/UPDATE/DELETE, per row) turns the rows into jsonb AS THE TENANT
 *   (SECURITY INVOKER: a cast the tenant defined for its own type runs with the tenant's rights,
 *   never the provisioning login's), then hands them to `log_row`, which logs them for the table
 *   only when the calling role may write it (its own, or one its owner granted it). Changes made by triggers (the tenant's,
 *   foreign-key cascades) are logged with their depth: replay plays the top-level ones only,
 *   which fire the same triggers again. `capture_truncate()` logs a truncate.
 * - `mark(op, version)` logs what no row trigger sees: `R` (the schema emptied, at `version`'s
 *   DDL when given), `V` (the blueprint DDL up to `version` runs next) and `E` (where the rows of
 *   that restore or the statements of that deployment end), for the schema the calling role owns,
 *   never one named by the caller.
 * - `origin` names the server the change was made on: xids are one server's, and a move copies
 *   a schema's log to the next server with its origin.
 *
 * The definer functions take only plain values (oid, text, integer, jsonb) and run with a fixed
 * search_path. Made only where missing (a tenant holding the advisory lock cannot stall the
 * creation of its neighbours' logins), and not at all on servers older than PostgreSQL 13 (no
 * xid8: no capture there; recovery is then to the backup before the instant).
 */
export function changeCaptureSql(origin: string): string {
  const literal = `'${origin.replace(/'/g, "''")}'`;
  // Who is writing: the login (PostgreSQL) or the role a session entered (PGlite, SET LOCAL ROLE).
  const caller = `CASE WHEN current_setting('role') IN ('none', '') THEN session_user::text ELSE current_setting('role') END`;
  // The installed version, read from the catalog tables with this statement's snapshot (not the
  // catalog caches, which an advisory lock does not refresh: a concurrent install that committed
  // while this one waited is seen).
  const installed = `(SELECT d.description FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_description d
      ON d.objoid = n.oid AND d.classoid = 'pg_catalog.pg_namespace'::regclass AND d.objsubid = 0 WHERE n.nspname = 'tdb_capture')`;
  return `DO $capture$
BEGIN
  IF current_setting('server_version_num')::int < 130000 OR ${installed} IS NOT DISTINCT FROM '${captureVersion}' THEN
    RETURN;
  END IF;
  SET LOCAL lock_timeout = '10s';
  PERFORM pg_catalog.pg_advisory_xact_lock(7271001);
  -- Another login's creation may have installed it while this one waited for the lock.
  IF ${installed} IS NOT DISTINCT FROM '${captureVersion}' THEN
    RETURN;
  END IF;
  CREATE SCHEMA IF NOT EXISTS tdb_capture;
  REVOKE ALL ON SCHEMA tdb_capture FROM PUBLIC;
  GRANT USAGE ON SCHEMA tdb_capture TO PUBLIC;
  CREATE TABLE IF NOT EXISTS tdb_capture.commits (
    origin text NOT NULL DEFAULT ${literal},
    xid xid8 NOT NULL,
    committed_at timestamptz,
    PRIMARY KEY (origin, xid)
  );
  CREATE TABLE IF NOT EXISTS tdb_capture.changes (
    seq bigserial PRIMARY KEY,
    origin text NOT NULL DEFAULT ${literal},
    xid xid8 NOT NULL,
    schema_name text NOT NULL,
    table_name text NOT NULL,
    op text NOT NULL,
    version integer,
    depth integer NOT NULL DEFAULT 1,
    old_row jsonb,
    new_row jsonb
  );
  ALTER TABLE tdb_capture.changes ADD COLUMN IF NOT EXISTS depth integer NOT NULL DEFAULT 1;
  CREATE INDEX IF NOT EXISTS changes_schema ON tdb_capture.changes (schema_name, origin, xid);
  REVOKE ALL ON ALL TABLES IN SCHEMA tdb_capture FROM PUBLIC;
  REVOKE ALL ON ALL SEQUENCES IN SCHEMA tdb_capture FROM PUBLIC;

  -- The writing transaction's row, unstamped again if it was stamped early (constraints made immediate).
  CREATE OR REPLACE FUNCTION tdb_capture.begin_write() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  BEGIN
    INSERT INTO tdb_capture.commits (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    UPDATE tdb_capture.commits SET committed_at = NULL WHERE origin = ${literal} AND xid = pg_current_xact_id() AND committed_at IS NOT NULL;
  END $fn$;
  REVOKE ALL ON FUNCTION tdb_capture.begin_write() FROM PUBLIC;

  CREATE OR REPLACE FUNCTION tdb_capture.log_row(rel oid, op text, old_row jsonb, new_row jsonb, depth integer) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  DECLARE
    who text := ${caller};
    target_schema text;
    target_table text;
  BEGIN
    IF op NOT IN ('I', 'U', 'D', 'T') THEN RAISE EXCEPTION 'unknown change %', op; END IF;
    -- Logged for a table the caller may write (its own, or one its owner granted it): no other.
    SELECT n.nspname, c.relname INTO target_schema, target_table
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = rel AND c.relkind IN ('r', 'p') AND n.nspname <> 'tdb_capture'
       AND pg_catalog.has_table_privilege(who, rel, 'INSERT, UPDATE, DELETE, TRUNCATE');
    IF target_schema IS NULL THEN RETURN; END IF;
    PERFORM tdb_capture.begin_write();
    INSERT INTO tdb_capture.changes (xid, schema_name, table_name, op, depth, old_row, new_row)
    VALUES (pg_current_xact_id(), target_schema, target_table, op, greatest(depth, 1), old_row, new_row);
  END $fn$;

  -- As the tenant (no SECURITY DEFINER): the rows become jsonb with the writer's own rights.
  -- No SET search_path here (it would cost every write a settings save and restore): it runs as the writer, with nothing to gain.
  CREATE OR REPLACE FUNCTION tdb_capture.capture_row() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM tdb_capture.log_row(TG_RELID, left(TG_OP, 1),
      CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END, CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END, pg_trigger_depth());
    RETURN NULL;
  END $fn$;

  CREATE OR REPLACE FUNCTION tdb_capture.capture_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM tdb_capture.log_row(TG_RELID, 'T', NULL, NULL, pg_trigger_depth());
    RETURN NULL;
  END $fn$;

  CREATE OR REPLACE FUNCTION tdb_capture.mark(op text, version integer) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  DECLARE
    who text := ${caller};
    target text;
  BEGIN
    IF op NOT IN ('R', 'V', 'E') THEN RAISE EXCEPTION 'unknown change mark %', op; END IF;
    SELECT n.nspname INTO target FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
     WHERE r.rolname = who AND NOT r.rolsuper ORDER BY n.nspname LIMIT 1;
    IF target IS NULL THEN RETURN; END IF;
    PERFORM tdb_capture.begin_write();
    INSERT INTO tdb_capture.changes (xid, schema_name, table_name, op, version) VALUES (pg_current_xact_id(), target, '', op, version);
  END $fn$;

  CREATE OR REPLACE FUNCTION tdb_capture.stamp() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  BEGIN
    UPDATE tdb_capture.commits SET committed_at = clock_timestamp() WHERE origin = NEW.origin AND xid = NEW.xid AND committed_at IS NULL;
    RETURN NULL;
  END $fn$;
  REVOKE ALL ON FUNCTION tdb_capture.stamp() FROM PUBLIC;

  -- Fires at commit for the transaction's row, and again when an early stamp was undone (never for its own update).
  DROP TRIGGER IF EXISTS tdb_stamp ON tdb_capture.commits;
  CREATE CONSTRAINT TRIGGER tdb_stamp AFTER INSERT OR UPDATE ON tdb_capture.commits
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.committed_at IS NULL) EXECUTE FUNCTION tdb_capture.stamp();
  COMMENT ON SCHEMA tdb_capture IS '${captureVersion}';
END
$capture$`;
}

/** Bumped when the objects above change: a database holding an older set gets this one at its next login or backup. */
const captureVersion = 'tenant-gateway change capture 4';
