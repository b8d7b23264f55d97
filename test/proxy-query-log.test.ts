import { describe, expect, test } from 'vitest';
import { createLogger } from '../src/lib/logger.js';
import { ProxyQueryLog } from '../src/modules/tenantsdb-proxy/proxy-query-log.js';

// The database proxy's query log is written in batches by a periodic flush: a flush whose write
// fails (the gateway's database busy or away) keeps its entries for the next one.

type Written = { query: string; source: string; tenantId: string };

function writer(failures: number) {
  const written: Written[] = [];
  let calls = 0;
  const write = async ({ data }: { data: Written | Written[] }) => {
    calls++;
    if (calls <= failures) throw new Error('too many clients already');
    written.push(...(Array.isArray(data) ? data : [data]));
    return { count: 1, id: 'x' };
  };
  return { written, prisma: { tenantQueryLog: { create: write, createMany: write } } as never };
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
