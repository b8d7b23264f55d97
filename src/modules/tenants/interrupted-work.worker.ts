import type { Logger } from '../../lib/logger.js';
import type { DatabaseWork } from '../databases/database-work.js';
import { advanceDatabaseWork, pendingDatabaseWork } from '../databases/database-state.js';
import { advanceDeployments, type DeploymentWork, pendingDeployments } from '../deployments/deployment-state.js';
import type { Actor } from '../identity/principal.js';
import { settleInterruptedWork } from './interrupted-work.js';

/**
 * Work a stopped process left behind, settled at start and then every minute: restores and
 * backups it was in the middle of, and database and regional deployment phases that fell due. A process alone with
 * its database (PGlite) settles everything at start; replicas wait for marks to age.
 */
export class InterruptedWorkSweeper {
  private timer: NodeJS.Timeout | null = null;
  /** Resolves once the start sweep is done and the phases a stopped process started are followed here. */
  ready: Promise<void> = Promise.resolve();

  constructor(
    private readonly prisma: Actor['prisma'],
    private readonly databaseWork: DatabaseWork,
    private readonly aloneWithDatabase: boolean,
    private readonly logger: Logger,
    private readonly deploymentWork?: DeploymentWork,
  ) {}

  private async sweep(atStart: boolean): Promise<void> {
    const settled = await settleInterruptedWork(this.prisma, Date.now(), atStart && this.aloneWithDatabase ? 0 : undefined);
    if (settled.tenants || settled.backups) this.logger.warn('settled work an interrupted process left behind', settled);
    const { advanced } = await advanceDatabaseWork(this.prisma, this.databaseWork.timings);
    if (advanced) this.logger.info('ended due database phases', { advanced });
    if (!this.deploymentWork) return;
    const deployments = await advanceDeployments(this.prisma, this.deploymentWork.timings);
    if (deployments.advanced) this.logger.info('ended due deployment phases', { advanced: deployments.advanced });
  }

  start(): void {
    const failed = (error: unknown) => this.logger.error('sweeping interrupted work failed', { error });
    this.timer = setInterval(() => void this.sweep(false).catch(failed), 60_000);
    this.timer.unref();
    this.ready = (async () => {
      await this.sweep(true);
      for (const { tenantId, dueInMs } of await pendingDatabaseWork(this.prisma)) this.databaseWork.after(dueInMs, tenantId);
      if (this.deploymentWork) for (const { tenantId, dueInMs } of await pendingDeployments(this.prisma)) this.deploymentWork.after(dueInMs, tenantId);
    })().catch(failed);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.databaseWork.close();
    this.deploymentWork?.close();
    await this.ready;
  }
}
