import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../src/lib/logger.js';
import { ProxyQueryLog } from '../src/modules/tenantsdb-proxy/proxy-query-log.js';
import { recordQueryBatch } from '../src/modules/query-logs/query-log-writer.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import { projectWithBlueprint, tenantOf } from './support/data-plane.js';

// The database proxy's query log is written in batches by a periodic flush: a flush whose write
// fails (the gateway's database busy or away) keeps its entries for the next one.

type Written = { query: string; source: string; tenantId: string };

/** A stand-in for Prisma's $executeRaw: the batch's columns are its arrays (tenant, source, blueprint, query, …). */
function writer(failures: number) {
  const written: Written[] = [];
  let calls = 0;
  const $executeRaw = async (_sql: TemplateStringsArray, ...columns: unknown[][]) => {
    calls++;
    if (calls <= failures) throw new Error('too many clients already');
    const [tenants, sources, , queries] = columns as string[][];
    written.push(...queries!.map((query, index) => ({ query, source: sources![index]!, tenantId: tenants![index]! })));
    return queries!.length;
  };
  return { written, prisma: { $executeRaw } as never };
}

const run = (text: string) => ({ tenantId: 't', blueprint: 'b', text, success: true, durationMs: 1, error: null });
const logger = createLogger('silent');

describe('proxy query log flush', () => {
  test('a failed write keeps its entries, cleaned once, ahead of newer ones; the next flush writes them all', async () => {
    const { written, prisma } = writer(1);
    const log = new ProxyQueryLog(prisma, logger);
    log.add(run("SELECT 'secret-a'"));
    log.add(run("SELECT 'secret-b'"));
    await expect(log.flush()).rejects.toThrow('too many clients');
    log.add(run('SELECT 3'));
    await log.flush();
    expect(written.map((entry) => entry.query)).toEqual(['SELECT $1', 'SELECT $1', 'SELECT $1']);
    expect(written.every((entry) => entry.source === 'PROXY')).toBe(true);
  });

  test('what a failed write gives back stays within the queue bound; the rest is counted as dropped', async () => {
    const { written, prisma } = writer(1);
    const log = new ProxyQueryLog(prisma, logger, 2);
    log.add(run('SELECT 1'));
    log.add(run('SELECT 2'));
    await expect(log.flush()).rejects.toThrow();
    log.add(run('SELECT 4'));
    await log.flush();
    expect(written).toHaveLength(2);
  });
});

test('a batch whose write fails twice is dropped (logged), so what comes after is written', async () => {
  const { written, prisma } = writer(2);
  const log = new ProxyQueryLog(prisma, logger);
  log.add(run('SELECT 1'));
  await expect(log.flush()).rejects.toThrow();
  await expect(log.flush()).rejects.toThrow();
  log.add(run('SELECT 2'));
  await log.flush();
  expect(written).toHaveLength(1);
});

describe('the batch INSERT on the gateway database', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  test("one statement writes the batch as given (nulls, text of any script, times); a deleted tenant's runs are skipped, not a failed batch", async () => {
    const tenant = await tenantOf(gateway, await projectWithBlueprint(gateway, 'main'));
    const at = new Date('2026-12-06T05:00:00.123Z');
    const runs = [
      {
        tenantId: tenant.id,
        source: 'PROXY' as const,
        blueprint: 'main',
        query: 'SELECT $1 -- é 漢字',
        success: true,
        durationMs: 0.25,
        rows: 3,
        error: null,
        createdAt: at,
      },
      {
        tenantId: tenant.id,
        source: 'PROXY' as const,
        blueprint: 'main',
        query: 'SELECT nope',
        success: false,
        durationMs: 1.5,
        rows: null,
        error: 'column "nope" does not exist',
      },
      { tenantId: randomUUID(), source: 'PROXY' as const, blueprint: 'main', query: 'SELECT 1', success: true, durationMs: 1, rows: 1, error: null },
    ];
    expect(await recordQueryBatch(gateway.database.prisma, runs)).toBe(2);
    const rows = await gateway.database.prisma.tenantQueryLog.findMany({ where: { tenantId: tenant.id }, orderBy: { durationMs: 'asc' } });
    expect(rows.map(({ query, success, durationMs, rows, error, source }) => ({ query, success, durationMs, rows, error, source }))).toEqual([
      { query: 'SELECT $1 -- é 漢字', success: true, durationMs: 0.25, rows: 3, error: null, source: 'PROXY' },
      { query: 'SELECT nope', success: false, durationMs: 1.5, rows: null, error: 'column "nope" does not exist', source: 'PROXY' },
    ]);
    expect(rows[0]!.createdAt.toISOString()).toBe(at.toISOString());
  });
});
