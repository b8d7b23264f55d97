import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { openDatabase } from '../src/gateway-db/client.js';

test('db:seed loads a demo project with tenants on every tier, non-default configurations and five weeks of usage, and can run twice', {
  timeout: 120_000,
}, async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-seed-'));
  const run = () =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/db-seed.ts'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { ...process.env, DATABASE_URL: dataDir, GATEWAY_ADMIN_KEY: '' },
    });
  try {
    const first = await run();
    expect(first.stdout).toContain('usage of the last 35 days (API calls, LLM tokens, bandwidth) recorded for acme, globex, initech, tenant-hooli-123');
    const again = await run();
    expect(again.stdout).toContain('acme: already there');
    expect(again.stdout).not.toContain('usage of the last');
    const database = openDatabase(dataDir);
    try {
      const tenants = await database.prisma.tenant.findMany({ include: { config: true }, orderBy: { slug: 'asc' } });
      expect(new Set(tenants.map((tenant) => tenant.tier))).toEqual(new Set(['FREE', 'BASIC', 'PRO', 'ENTERPRISE']));
      for (const tenant of tenants) expect(tenant.config!.version).toBeGreaterThan(1);
      expect(tenants.find((tenant) => tenant.slug === 'acme')!.config!.document).toMatchObject({ compliance: { hipaa: true } });
      // The usage, as the usage queries read it: calls on most of the last 35 days, tokens and bytes beside them, recorded once.
      const acme = tenants.find((tenant) => tenant.slug === 'acme')!;
      const since = new Date(Date.now() - 35 * 86_400_000);
      const hours = await database.prisma.apiCallStat.findMany({ where: { tenantId: acme.id, hour: { gte: since } } });
      const days = new Set(hours.map((stat) => stat.hour.toISOString().slice(0, 10)));
      expect(days.size).toBeGreaterThanOrEqual(34);
      const calls = hours.reduce((sum, stat) => sum + stat.calls, 0);
      expect(calls).toBeGreaterThan(20_000);
      expect(hours.reduce((sum, stat) => sum + stat.failures, 0)).toBeLessThan(calls * 0.05);
      const resources = await database.prisma.usageRecord.groupBy({ by: ['resource', 'metric'], where: { tenantId: acme.id }, _sum: { amount: true } });
      expect(resources.map((group) => `${group.resource}/${group.metric}`).sort()).toEqual(['bandwidth/bytes', 'llm/tokens']);
      for (const group of resources) expect(group._sum.amount).toBeGreaterThan(0);
      // A busier plan is busier: the enterprise demo tenant made more calls than the free one.
      const hooli = tenants.find((tenant) => tenant.slug === 'tenant-hooli-123')!;
      const hooliCalls = await database.prisma.apiCallStat.aggregate({ where: { tenantId: hooli.id }, _sum: { calls: true } });
      expect(hooliCalls._sum.calls!).toBeGreaterThan(0);
      expect(hooliCalls._sum.calls!).toBeLessThan(calls / 10);
    } finally {
      await database.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
