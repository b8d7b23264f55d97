import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../lib/logger.js';
import { withoutConstants } from '../data-plane-schemas/sql-classifier.js';
import { type QueryRun, recordQueryBatch } from '../query-logs/query-log-writer.js';

/** A statement a proxied session of a tenant database ran. */
export type ProxiedRun = { tenantId: string; blueprint: string; text: string; success: boolean; durationMs: number; error: string | null };

/** How much of a statement the log keeps (characters, after its constants are taken out). */
const keptLength = 1000;

/** Texts already cleaned, most recent last: applications send the same few statements again and again, and parsing one costs more than running it. */
const cleanedTexts = new Map<string, string>();
const cleanedTextsKept = 2_000;

/** The statement as the log keeps it: constants replaced by `$1`, `$2` …, bounded; text that does not parse keeps its first word. */
async function loggedText(text: string): Promise<string> {
  const known = cleanedTexts.get(text);
  if (known !== undefined) return known;
  const characters = Array.from(((await withoutConstants(text)) ?? text.trim().split(/\s+/, 1)[0] ?? '').trim());
  const kept = characters.length > keptLength ? `${characters.slice(0, keptLength).join('')}…` : characters.join('');
  // Only texts of a sensible length are remembered (a long one is rarely sent twice), the oldest forgotten first.
  if (text.length <= 4 * keptLength) {
    if (cleanedTexts.size >= cleanedTextsKept) cleanedTexts.delete(cleanedTexts.keys().next().value!);
    cleanedTexts.set(text, kept);
  }
  return kept;
}

/**
 * The query log of the database proxy (`source: PROXY`): statements are kept in memory as
 * sessions run them and written in batches (one INSERT per flush), so a busy connection never
 * waits on the gateway's database. At most `maxQueued` wait for a flush; past it statements
 * are counted as dropped and the next flush logs how many.
 */
export class ProxyQueryLog {
  private queued: QueryRun[] = [];
  private dropped = 0;
  /** Entries whose text a flush that then failed already cleaned (never cleaned twice). */
  private readonly cleaned = new WeakSet<QueryRun>();

  constructor(
    private readonly prisma: Pick<PrismaClient, '$executeRaw'>,
    private readonly logger: Logger,
    private readonly maxQueued = 10_000,
  ) {}

  add(run: ProxiedRun): void {
    if (this.queued.length >= this.maxQueued) {
      this.dropped++;
      return;
    }
    const { text, ...rest } = run;
    this.queued.push({ ...rest, source: 'PROXY', query: text, createdAt: new Date() });
  }

  /**
   * Writes what is queued in one INSERT. When the write fails (the gateway's database busy or
   * away), the entries go back to the head of the queue for the next flush, within `maxQueued`.
   */
  async flush(): Promise<void> {
    const runs = this.queued;
    const dropped = this.dropped;
    this.queued = [];
    this.dropped = 0;
    if (dropped) this.logger.warn('database proxy: query log entries dropped (more statements than one flush holds)', { dropped });
    if (runs.length === 0) return;
    for (const run of runs) if (!this.cleaned.has(run)) run.query = await loggedText(run.query);
    try {
      await recordQueryBatch(this.prisma, runs);
    } catch (error) {
      // A batch that fails twice holds something the table refuses: it is dropped, so logging goes on.
      const retried = runs.filter((run) => !this.cleaned.has(run));
      if (retried.length < runs.length)
        this.logger.warn('database proxy: query log entries dropped (their write failed twice)', { dropped: runs.length - retried.length, error });
      for (const run of retried) this.cleaned.add(run);
      const kept = [...retried, ...this.queued];
      this.queued = kept.slice(0, this.maxQueued);
      this.dropped += kept.length - this.queued.length;
      throw error;
    }
  }
}
