import { expect, test } from 'vitest';
import { type ProxiedStatement, SessionWatch } from '../src/db-proxy/session-watch.js';
import { protocolMessage, readyForQuery } from '../src/data-plane/wire-session.js';

// The database proxy follows each session's messages for its query log (src/db-proxy/session-watch.ts).

const query = (text: string) => protocolMessage('Q', Buffer.from(`${text}\0`));
const commandComplete = (tag: string) => protocolMessage('C', Buffer.from(`${tag}\0`));
const errorResponse = (message: string) => protocolMessage('E', Buffer.from(`SERROR\0C42703\0M${message}\0\0`));

function watched() {
  const ended: ProxiedStatement[] = [];
  const committed: string[][] = [];
  const watch = new SessionWatch(
    (statement) => ended.push(statement),
    (texts) => committed.push(texts),
  );
  return { watch, ended, committed };
}

test('a statement is logged at its ReadyForQuery, with its rows or its error', () => {
  const { watch, ended } = watched();
  watch.sent(query('SELECT 1'));
  watch.received(Buffer.concat([commandComplete('SELECT 1'), readyForQuery()]));
  watch.sent(query('SELECT nope'));
  watch.received(errorResponse('column "nope" does not exist'));
  expect(ended).toHaveLength(1);
  watch.received(readyForQuery());
  expect(ended).toMatchObject([
    { text: 'SELECT 1', success: true, rows: 1, error: null },
    { text: 'SELECT nope', success: false, error: 'column "nope" does not exist' },
  ]);
});

test('a session that ends after an error but before the ReadyForQuery behind it still logs the failed statement, with its error', () => {
  // node-postgres rejects a query at its ErrorResponse: a client may close at once, and the
  // ReadyForQuery (a separate packet when the server flushed the error first) is never relayed.
  const { watch, ended } = watched();
  watch.sent(query('SELECT nope'));
  watch.received(errorResponse('column "nope" does not exist'));
  watch.close();
  expect(ended).toMatchObject([{ text: 'SELECT nope', success: false, error: 'column "nope" does not exist' }]);
});

test('a statement still running when its session ends is logged as cut off; its transaction is never reported committed', () => {
  const { watch, ended, committed } = watched();
  watch.sent(query('BEGIN'));
  watch.received(Buffer.concat([commandComplete('BEGIN'), readyForQuery('T')]));
  watch.sent(query('INSERT INTO t VALUES (1)'));
  watch.received(Buffer.concat([commandComplete('INSERT 0 1'), readyForQuery('T')]));
  watch.sent(query('SELECT pg_sleep(60)'));
  watch.close();
  expect(ended.map((statement) => [statement.text, statement.success])).toEqual([
    ['BEGIN', true],
    ['INSERT INTO t VALUES (1)', true],
    ['SELECT pg_sleep(60)', false],
  ]);
  expect(ended[2]!.error).toBe('the session ended before the statement did');
  // Closed, a late answer reports nothing more.
  watch.received(Buffer.concat([commandComplete('COMMIT'), readyForQuery()]));
  expect(ended).toHaveLength(3);
  expect(committed).toEqual([]);
});
