import { type App, createApp } from '../../src/app.js';
import { type Environment, readEnvironment } from '../../src/env.js';
import { createLogger } from '../../src/lib/logger.js';
import type { RateLimitSettings } from '../../src/rate-limit/limits.js';
import { type TestGateway, testRateLimits, testSecretsKey } from './gateway.js';

/** A second replica of `gateway` over the same database, remembering who a key is for PRINCIPAL_CACHE_MS (one second). */
export async function startReplica(gateway: TestGateway, env: Partial<Environment> = {}, rateLimits: RateLimitSettings = testRateLimits): Promise<App> {
  const replica = createApp({
    env: {
      ...readEnvironment({}),
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      SECRETS_KEY: testSecretsKey,
      BACKUP_SCHEDULER: 'off',
      BACKUP_DIR: gateway.backupDir,
      GATEWAY_ADMIN_KEY: gateway.adminKey,
      PRINCIPAL_CACHE_MS: 1_000,
      ...env,
    },
    database: gateway.database,
    // The same data plane: on the embedded default a second instance in memory would be another, empty one.
    dataPlane: gateway.app.dataPlane.dataPlane,
    rateLimits,
    logger: createLogger('silent'),
  });
  await replica.ready;
  return replica;
}

/** Polls until `status` answers `wanted`; returns how long that took. */
export async function within(wanted: number, status: () => Promise<number>): Promise<number> {
  const started = Date.now();
  while ((await status()) !== wanted) {
    if (Date.now() - started > 5_000) throw new Error(`still not ${wanted} after 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}
