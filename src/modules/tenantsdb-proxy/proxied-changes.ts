import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../lib/logger.js';
import { type ClassifiedStatement, classifySql } from '../data-plane-schemas/sql-classifier.js';
import { workspaceInclude } from '../workspaces/workspace-access.js';
import { recordChanges } from '../workspaces/workspace-changes.js';

/**
 * DDL a tenant-mode workspace's proxied session committed, queued for its blueprint's next
 * version as the API's workspace queries queue theirs (recordChanges), in the order it ran. What
 * the classifier refuses (it would not deploy) and text it cannot read are left out, with a
 * warning: the workspace has it, the blueprint will not.
 */
async function recordProxiedChanges(prisma: PrismaClient, logger: Logger, workspaceId: string, texts: string[]): Promise<void> {
  const workspace = await prisma.workspace.findUnique({ where: { id: workspaceId }, include: workspaceInclude });
  if (!workspace) return;
  const statements: ClassifiedStatement[] = [];
  for (const text of texts) {
    try {
      statements.push(...(await classifySql(text)));
    } catch {
      logger.warn('database proxy: a committed workspace statement could not be read; it is not queued for the blueprint', { workspaceId });
    }
  }
  const refused = statements.filter((statement) => statement.kind === 'ddl' && statement.refusal);
  if (refused.length)
    logger.warn('database proxy: DDL the blueprint cannot take was run in a workspace; it is not queued', {
      workspaceId,
      commands: refused.map((statement) => statement.command),
    });
  await recordChanges(
    { prisma, principal: null },
    workspace,
    statements.filter((statement) => !statement.refusal),
  );
}

/** Queues proxied workspace changes one workspace at a time, in the order sessions committed them. */
export class ProxiedChanges {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
  ) {}

  add(workspaceId: string, texts: string[]): void {
    const next: Promise<void> = (this.chains.get(workspaceId) ?? Promise.resolve())
      .then(() => recordProxiedChanges(this.prisma, this.logger, workspaceId, texts))
      .catch((error) => this.logger.error('database proxy: queueing a workspace change failed', { error, workspaceId }))
      .finally(() => {
        if (this.chains.get(workspaceId) === next) this.chains.delete(workspaceId);
      });
    this.chains.set(workspaceId, next);
  }

  /** Resolves when every change handed over so far is queued (shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.chains.values());
  }
}
