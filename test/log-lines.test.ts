import { Writable } from 'node:stream';
import { expect, test } from 'vitest';
import { isClientGone } from '../src/lib/errors.js';
import { createLogger } from '../src/lib/logger.js';
import { visibleKeyPrefix } from '../src/modules/identity/api-keys.js';
import { UsageMeter } from '../src/modules/usage/meter.js';

// Issue 30, item 4: what a log says of expected conditions. (The request line's fields, on a
// real server: logging.test.ts.)

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger('debug', stream) };
}

test("usage of a tenant deleted before the flush is dropped with one info line, no stack; the others' counts wait for the next flush", async () => {
  const { lines, logger } = capture();
  const refused = () =>
    Promise.reject(Object.assign(new Error('Foreign key constraint violated on the constraint: `ApiCallStat_tenantId_fkey`'), { code: 'P2003' }));
  const prisma = {
    usageRecord: { createMany: refused },
    $executeRawUnsafe: refused,
    tenant: { findMany: async () => [{ id: 'live' }] },
  };
  const meter = new UsageMeter(prisma as never, logger);
  meter.record({ tenantId: 'deleted', endpoint: 'GET /x', ok: true, latencyMs: 1 });
  meter.record({ tenantId: 'live', endpoint: 'GET /x', ok: true, latencyMs: 1 });
  meter.add({ tenantId: 'deleted', resource: 'bandwidth', metric: 'bytes', amount: 10 });
  await meter.flush();
  expect(meter.pending('live').map((stat) => stat.calls)).toEqual([1]);
  expect(meter.pending('deleted')).toEqual([]);
  expect(lines.map((line) => [line.level, line.message])).toEqual([
    ['info', 'usage of deleted tenants dropped; the rest is written with the next flush'],
    ['info', 'resource usage of deleted tenants dropped; the rest is written with the next flush'],
  ]);
  expect(lines[0]).toMatchObject({ dropped: 1, kept: 1 });
  expect(JSON.stringify(lines)).not.toContain('stack');
});

test('a flush that fails for any other reason is a warning with its error', async () => {
  const { lines, logger } = capture();
  const away = () => Promise.reject(new Error('connection refused'));
  const meter = new UsageMeter({ usageRecord: { createMany: away }, tenant: { findMany: away }, $executeRawUnsafe: away } as never, logger);
  meter.record({ tenantId: 't', endpoint: 'GET /x', ok: true, latencyMs: 1 });
  await meter.flush();
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 'warn', message: 'usage flush failed; will retry', rows: 1, error: { message: 'connection refused' } });
});

test('a client that leaves is told from a failure: an aborted signal, an AbortError, a body cut short; nothing else', () => {
  const aborted = new AbortController();
  aborted.abort();
  expect(isClientGone(aborted.signal.reason, aborted.signal)).toBe(true);
  // A real failure that happens after the caller left is still an error (red team: hidden during an outage).
  expect(isClientGone(new Error('anything'), aborted.signal)).toBe(false);
  expect(isClientGone(new DOMException('The operation was aborted.', 'AbortError'))).toBe(true);
  expect(isClientGone(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))).toBe(true);
  expect(isClientGone(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(false);
  expect(isClientGone(new TypeError('x is undefined'), new AbortController().signal)).toBe(false);
  expect(isClientGone(null)).toBe(false);
});

test('a log names a key by its visible prefix only, and nothing of a token of another shape', () => {
  expect(visibleKeyPrefix(`tgw_Ab12Cd34_${'s'.repeat(43)}`)).toBe('tgw_Ab12Cd34');
  expect(visibleKeyPrefix(`cc_live_Ab12Cd34_${'s'.repeat(43)}`)).toBe('cc_live_Ab12Cd34');
  expect(visibleKeyPrefix(`tenantsdb_sk_${'ab'.repeat(32)}`)).toBe(`tenantsdb_sk_${'ab'.repeat(6)}`);
  expect(visibleKeyPrefix('tgw_Ab12Cd34_short')).toBeNull();
  expect(visibleKeyPrefix('my-own-operator-key-0123456789')).toBeNull();
});
