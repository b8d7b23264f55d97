import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { openDatabase } from '../src/gateway-db/client.js';

test('db:seed loads a demo project with tenants on every tier and non-default configurations, and can run twice', { timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-seed-'));
  const run = () =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/db-seed.ts'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { ...process.env, DATABASE_URL: dataDir, GATEWAY_ADMIN_KEY: '' },
    });
  try {
    await run();
    const again = await run();
    expect(again.stdout).toContain('acme: already there');
    const database = openDatabase(dataDir);
    try {
      const tenants = await database.prisma.tenant.findMany({ include: { config: true }, orderBy: { slug: 'asc' } });
      expect(new Set(tenants.map((tenant) => tenant.tier))).toEqual(new Set(['FREE', 'BASIC', 'PRO', 'ENTERPRISE']));
      for (const tenant of tenants) expect(tenant.config!.version).toBeGreaterThan(1);
      expect(tenants.find((tenant) => tenant.slug === 'acme')!.config!.document).toMatchObject({ compliance: { hipaa: true } });
    } finally {
      await database.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
