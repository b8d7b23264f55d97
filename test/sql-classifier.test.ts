import { describe, expect, it } from 'vitest';
import { classifySql, quoteIdentifier, SqlSyntaxError } from '../src/modules/data-plane-schemas/sql-classifier.js';

type Row = [sql: string, kind: string, command: string, reverse: string | null, refused?: boolean];

// One statement each: what it is, what undoes it, and whether tenant schemas refuse it.
const table: Row[] = [
  ['SELECT 1', 'query', 'SELECT', null],
  ['select * from users where id = 1', 'query', 'SELECT', null],
  ['VALUES (1), (2)', 'query', 'VALUES', null],
  ['WITH recent AS (SELECT * FROM orders) SELECT count(*) FROM recent', 'query', 'SELECT', null],
  ['SHOW statement_timeout', 'query', 'SHOW', null],
  ['EXPLAIN SELECT * FROM users', 'query', 'EXPLAIN', null],
  ["INSERT INTO users (name) VALUES ('a') RETURNING id", 'dml', 'INSERT', null],
  ["update users set name = 'b' where id = 1", 'dml', 'UPDATE', null],
  ['DELETE FROM users WHERE id = 1', 'dml', 'DELETE', null],
  ['TRUNCATE users', 'dml', 'TRUNCATE', null],
  ['WITH gone AS (DELETE FROM users RETURNING *) SELECT count(*) FROM gone', 'dml', 'SELECT', null],
  ['MERGE INTO users u USING staged s ON u.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name', 'dml', 'MERGE', null],
  ['EXPLAIN ANALYZE DELETE FROM users', 'dml', 'EXPLAIN', null],
  ['CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL)', 'ddl', 'CREATE TABLE', 'DROP TABLE IF EXISTS users;'],
  ['create table IF NOT EXISTS "Order Items" (id int)', 'ddl', 'CREATE TABLE', 'DROP TABLE IF EXISTS "Order Items";'],
  ['CREATE TABLE "user" (id int)', 'ddl', 'CREATE TABLE', 'DROP TABLE IF EXISTS "user";'],
  ['CREATE INDEX users_name_idx ON users (name)', 'ddl', 'CREATE INDEX', 'DROP INDEX IF EXISTS users_name_idx;'],
  ['CREATE UNIQUE INDEX CONCURRENTLY users_email ON users (lower(email))', 'ddl', 'CREATE INDEX', 'DROP INDEX IF EXISTS users_email;'],
  ['CREATE INDEX ON users (name)', 'ddl', 'CREATE INDEX', null],
  ['ALTER TABLE users ADD COLUMN email TEXT', 'ddl', 'ALTER TABLE', 'ALTER TABLE users DROP COLUMN IF EXISTS email;'],
  ['alter table users add column a int, add column "B" int', 'ddl', 'ALTER TABLE', 'ALTER TABLE users DROP COLUMN IF EXISTS a, DROP COLUMN IF EXISTS "B";'],
  ['ALTER TABLE users DROP COLUMN email', 'ddl', 'ALTER TABLE', null],
  ['ALTER TABLE users ADD COLUMN x int, DROP COLUMN y', 'ddl', 'ALTER TABLE', null],
  ['ALTER TABLE users RENAME TO people', 'ddl', 'ALTER … RENAME', null],
  ['DROP TABLE users', 'ddl', 'DROP TABLE', null],
  ['DROP INDEX users_name_idx', 'ddl', 'DROP INDEX', null],
  ['CREATE VIEW active AS SELECT * FROM users', 'ddl', 'CREATE VIEW', null],
  ['CREATE SEQUENCE invoice_numbers', 'ddl', 'CREATE SEQUENCE', null],
  ["CREATE TYPE mood AS ENUM ('sad', 'ok')", 'ddl', 'CREATE TYPE', null],
  ["COMMENT ON TABLE users IS 'people'", 'ddl', 'COMMENT', null],
  ['SELECT * INTO copy FROM users', 'ddl', 'SELECT INTO', null],
  ['CREATE TABLE snapshot AS SELECT * FROM users', 'ddl', 'CREATE TABLE AS', null],
  ['CREATE TEMP TABLE scratch (id int)', 'ddl', 'CREATE TABLE', null, true],
  ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'ddl', 'CREATE FUNCTION', null, true],
  ['CREATE SCHEMA elsewhere', 'ddl', 'CREATE SCHEMA', null, true],
  ['CREATE EXTENSION pgcrypto', 'ddl', 'CREATE EXTENSION', null, true],
  ['GRANT SELECT ON users TO PUBLIC', 'ddl', 'GRANT', null, true],
  ['REVOKE SELECT ON users FROM PUBLIC', 'ddl', 'REVOKE', null, true],
  ['CREATE ROLE intruder', 'ddl', 'CREATE ROLE', null, true],
  ['DROP SCHEMA other CASCADE', 'ddl', 'DROP SCHEMA', null, true],
  ['BEGIN', 'utility', 'BEGIN', null, true],
  ['commit', 'utility', 'COMMIT', null, true],
  ['SET ROLE postgres', 'utility', 'SET', null, true],
  ['RESET ROLE', 'utility', 'RESET', null, true],
  ['SET search_path TO public', 'utility', 'SET', null, true],
  ['SET SESSION AUTHORIZATION postgres', 'utility', 'SET', null, true],
  ['DO $$ BEGIN RAISE NOTICE $q$hi$q$; END $$', 'utility', 'DO', null, true],
  ["COPY users TO '/tmp/out'", 'utility', 'COPY', null, true],
  ["NOTIFY gateway, 'hello'", 'utility', 'NOTIFY', null, true],
  ['LISTEN gateway', 'utility', 'LISTEN', null, true],
  ['PREPARE p AS SELECT 1', 'utility', 'PREPARE', null, true],
  ['DISCARD ALL', 'utility', 'DISCARD', null, true],
  ["SELECT set_config('role', 'postgres', true)", 'query', 'SELECT', null, true],
  ['SELECT pg_catalog.pg_advisory_lock(42)', 'query', 'SELECT', null, true],
  ["SELECT * FROM users WHERE name = pg_notify('x', 'y')::text", 'query', 'SELECT', null, true],
  // SQL handed over as a string runs unchecked: set_config inside it would leave the tenant's role.
  ["SELECT * FROM ts_stat($$SELECT to_tsvector(set_config('role', 'none', true))$$)", 'query', 'SELECT', null, true],
  ["SELECT ts_rewrite('a'::tsquery, $$SELECT 'a'::tsquery, set_config('role', 'none', true)::tsquery$$)", 'query', 'SELECT', null, true],
  ["SELECT pg_catalog.query_to_xml('SELECT 1', true, false, '')", 'query', 'SELECT', null, true],
  ["SELECT query_to_xml_and_xmlschema('SELECT 1', true, false, '')", 'query', 'SELECT', null, true],
  ["SELECT cursor_to_xml('c', 10, true, false, '')", 'query', 'SELECT', null, true],
];

describe('SQL classifier', () => {
  it.each(table)('%s → %s', async (sql, kind, command, reverse, refused = false) => {
    const [statement, ...rest] = await classifySql(sql);
    expect(rest).toEqual([]);
    expect(statement).toMatchObject({ text: sql, kind, command, reverse });
    expect(statement?.refusal !== null).toBe(refused);
  });

  it('splits several statements (comments between them dropped, any case) and classifies each', async () => {
    const text = [
      '-- set up',
      'CREATE TABLE a (id int);',
      '/* then */ insert into a values (1);',
      "SeLeCt 'a;b' AS semicolon_in_a_string;",
      '  ;  ',
      'ALTER TABLE a ADD COLUMN é text',
    ].join('\n');
    const statements = await classifySql(text);
    expect(statements.map(({ kind, command }) => [kind, command])).toEqual([
      ['ddl', 'CREATE TABLE'],
      ['dml', 'INSERT'],
      ['query', 'SELECT'],
      ['ddl', 'ALTER TABLE'],
    ]);
    expect(statements.map((statement) => statement.text)).toEqual([
      'CREATE TABLE a (id int)',
      'insert into a values (1)',
      "SeLeCt 'a;b' AS semicolon_in_a_string",
      'ALTER TABLE a ADD COLUMN é text',
    ]);
    expect(statements[3]?.reverse).toBe('ALTER TABLE a DROP COLUMN IF EXISTS "é";');
  });

  it('finds DDL hidden after comments and data statements', async () => {
    const statements = await classifySql("SELECT 1; /* harmless */ -- really\n dRoP TaBlE users; SELECT 'DROP TABLE x'");
    expect(statements.map((statement) => statement.kind)).toEqual(['query', 'ddl', 'query']);
  });

  it('answers nothing for comments only', async () => {
    expect(await classifySql('-- nothing\n/* at all */')).toEqual([]);
  });

  it("throws PostgreSQL's own syntax error", async () => {
    const parsing = classifySql('SELEC 1');
    await expect(parsing).rejects.toBeInstanceOf(SqlSyntaxError);
    await expect(parsing).rejects.toThrow('syntax error at or near "SELEC"');
  });

  it('quotes identifiers as quote_ident does', async () => {
    await classifySql('SELECT 1');
    expect([quoteIdentifier('users'), quoteIdentifier('user'), quoteIdentifier('Users'), quoteIdentifier('a"b'), quoteIdentifier('select')]).toEqual([
      'users',
      '"user"',
      '"Users"',
      '"a""b"',
      '"select"',
    ]);
  });
});
