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
 * waits for the earlier's commit, so stamp order is commit order wherever order matters).
 *
 * - `capture_row()` (AFTER INSERT/UPDATE/DELETE, per row) logs the table, the operation and the
 *   old and new rows as jsonb; `capture_truncate()` (AFTER TRUNCATE) logs a truncate.
 * - `mark(op, version)` logs what no row trigger sees: `R` (the schema emptied, at `version`'s
 *   DDL when given) and `V` (the blueprint DDL up to `version` runs next). It logs for the schema
 *   the calling role owns, never a schema named by the caller: a tenant can only mark its own.
 * - `origin` names the server the change was made on: xids are one server's, and a move copies
 *   a schema's log to the next server with its origin.
 *
 * The functions are SECURITY DEFINER (the provisioning login's), with a fixed search_path.
 */
export function changeCaptureSql(origin: string): string {
  const literal = `'${origin.replace(/'/g, "''")}'`;
  return `DO $capture$
BEGIN
  PERFORM pg_catalog.pg_advisory_xact_lock(7271001);
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
    old_row jsonb,
    new_row jsonb
  );
  CREATE INDEX IF NOT EXISTS changes_schema ON tdb_capture.changes (schema_name, origin, xid);
  REVOKE ALL ON ALL TABLES IN SCHEMA tdb_capture FROM PUBLIC;
  REVOKE ALL ON ALL SEQUENCES IN SCHEMA tdb_capture FROM PUBLIC;

  CREATE OR REPLACE FUNCTION tdb_capture.capture_row() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  BEGIN
    INSERT INTO tdb_capture.commits (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    INSERT INTO tdb_capture.changes (xid, schema_name, table_name, op, old_row, new_row)
    VALUES (pg_current_xact_id(), TG_TABLE_SCHEMA, TG_TABLE_NAME, left(TG_OP, 1),
            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END, CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
    RETURN NULL;
  END $fn$;

  CREATE OR REPLACE FUNCTION tdb_capture.capture_truncate() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  BEGIN
    INSERT INTO tdb_capture.commits (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    INSERT INTO tdb_capture.changes (xid, schema_name, table_name, op) VALUES (pg_current_xact_id(), TG_TABLE_SCHEMA, TG_TABLE_NAME, 'T');
    RETURN NULL;
  END $fn$;

  CREATE OR REPLACE FUNCTION tdb_capture.mark(op text, version integer) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  DECLARE
    who text := CASE WHEN current_setting('role') IN ('none', '') THEN session_user::text ELSE current_setting('role') END;
    target text;
  BEGIN
    IF op NOT IN ('R', 'V') THEN RAISE EXCEPTION 'unknown change mark %', op; END IF;
    SELECT n.nspname INTO target FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
     WHERE r.rolname = who AND NOT r.rolsuper ORDER BY n.nspname LIMIT 1;
    IF target IS NULL THEN RETURN; END IF;
    INSERT INTO tdb_capture.commits (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    INSERT INTO tdb_capture.changes (xid, schema_name, table_name, op, version) VALUES (pg_current_xact_id(), target, '', op, version);
  END $fn$;

  CREATE OR REPLACE FUNCTION tdb_capture.stamp() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  BEGIN
    UPDATE tdb_capture.commits SET committed_at = clock_timestamp() WHERE origin = NEW.origin AND xid = NEW.xid AND committed_at IS NULL;
    RETURN NULL;
  END $fn$;
  REVOKE ALL ON FUNCTION tdb_capture.stamp() FROM PUBLIC;

  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgname = 'tdb_stamp' AND tgrelid = 'tdb_capture.commits'::regclass) THEN
    CREATE CONSTRAINT TRIGGER tdb_stamp AFTER INSERT ON tdb_capture.commits
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tdb_capture.stamp();
  END IF;
END
$capture$`;
}
