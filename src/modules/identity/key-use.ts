import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../lib/logger.js';

/**
 * When each API key was last used (`lastUsedAt`), without a write on the request path: uses
 * are noted in memory and written in one statement per flush (every `flushIntervalMs`, when
 * `maxKeys` keys are waiting, and on shutdown), like the usage meter. The statement only
 * updates keys that still exist, with uses from before any revocation (a compromised key's last
 * use is worth keeping); it never touches `revokedAt`, so a flush never brings a key back.
 */
export class KeyUseRecorder {
  private used = new Map<string, Date>();
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    readonly options: { flushIntervalMs: number; maxKeys: number },
  ) {}

  record(keyId: string, at = new Date()): void {
    const known = this.used.get(keyId);
    if (!known || known < at) this.used.set(keyId, at);
    if (this.used.size >= this.options.maxKeys) void this.flush();
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.used.size === 0) return;
      const batch = this.used;
      this.used = new Map();
      try {
        await this.write(batch);
      } catch (error) {
        // Back into the map without starting another flush: the next interval retries.
        for (const [keyId, at] of batch) {
          const known = this.used.get(keyId);
          if (!known || known < at) this.used.set(keyId, at);
        }
        this.logger.warn('API key use flush failed; will retry', { error, keys: batch.size });
      }
    });
    return this.flushing;
  }

  private async write(batch: Map<string, Date>) {
    // Timestamps travel as ISO text: "lastUsedAt" is a UTC timestamp without zone, as Prisma writes it.
    await this.prisma.$executeRawUnsafe(
      `UPDATE "ApiKey" AS key SET "lastUsedAt" = used."at"::timestamp
       FROM unnest($1::text[], $2::text[]) AS used("id", "at")
       WHERE key."id" = used."id"::uuid AND (key."revokedAt" IS NULL OR key."revokedAt" > used."at"::timestamp)
         AND (key."lastUsedAt" IS NULL OR key."lastUsedAt" < used."at"::timestamp)`,
      [...batch.keys()],
      [...batch.values()].map((at) => at.toISOString()),
    );
  }

  /** The last flush, on shutdown (the scheduler flushes every `flushIntervalMs` meanwhile). */
  async stop(): Promise<void> {
    await this.flush();
  }
}
