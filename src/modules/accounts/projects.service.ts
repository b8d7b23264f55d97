import { z } from 'zod';
import type { Customer, Prisma, Project } from '../../generated/prisma/client.js';
import { ConflictError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import { type BackupDeps, removeBackupFiles } from '../backups/backup-files.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';
import { dropProjectDatabases } from '../data-plane-schemas/placements.js';
import type { Actor } from '../../kernel/principal.js';
import { assertAccountQuota } from '../quotas/quotas.js';
import type { AccountDeps } from './account-deps.js';
import { projectNameField } from './account-inputs.js';
import { findCustomerProject, requireCustomer } from './customer-access.js';
import { createProjectRecord } from './project-records.js';
import { openProxyPassword } from './proxy-passwords.js';
import { startSession } from './session-keys.js';

/** The account behind the caller's key, with what Pothos selects of it. */
export async function viewerCustomer(actor: Actor, query: { include?: Prisma.CustomerInclude; select?: Prisma.CustomerSelect } = {}): Promise<Customer> {
  const { customerId } = await requireCustomer(actor, 'tenants:read');
  return actor.prisma.customer.findUniqueOrThrow({ ...query, where: { id: customerId } });
}

/** A new project of the caller's account: its key is shown this once, its proxy password again on switch. */
export async function createCustomerProject(actor: Actor, deps: AccountDeps, input: { name: string }) {
  const { customerId } = await requireCustomer(actor, 'admin');
  const { name } = parseInput(z.object({ name: projectNameField('name') }), input);
  return actor.prisma.$transaction(async (tx) => {
    await assertAccountQuota(tx, actor.principal, customerId);
    const customer = await tx.customer.findUniqueOrThrow({ where: { id: customerId }, select: { id: true, email: true } });
    return createProjectRecord(tx, deps, customer, name);
  });
}

/** Another project of the same account (by id or name): a fresh session key for it, and its proxy password. */
export async function switchProject(actor: Actor, deps: AccountDeps, ref: string): Promise<{ project: Project; apiKey: string; proxyPassword: string | null }> {
  const { customerId } = await requireCustomer(actor, 'admin');
  const project = await findCustomerProject(actor, customerId, ref);
  const apiKey = await actor.prisma.$transaction(async (tx) => {
    const customer = await tx.customer.findUniqueOrThrow({ where: { id: customerId }, select: { email: true } });
    return startSession(tx, project, customer.email, deps.sessionKeyTtlMs);
  });
  actor.credentialsChanged?.();
  const proxyPassword = project.proxyPasswordSealed ? openProxyPassword(deps.keyring, project.id, project.proxyPasswordSealed) : null;
  return { project, apiKey, proxyPassword };
}

/**
 * The project and everything it holds (tenants with their configurations, databases and backup
 * records, every key) in one transaction, then its backup files. Its keys stop working at once
 * on this replica, and on every other within PRINCIPAL_CACHE_MS. An account keeps at least one
 * project: without one it could never get a key again.
 */
export async function deleteProject(actor: Actor, backups: Pick<BackupDeps, 'storages'>, ref: string, dataPlane?: DataPlaneDeps): Promise<Project> {
  const { customerId } = await requireCustomer(actor, 'admin');
  const project = await findCustomerProject(actor, customerId, ref);
  if ((await actor.prisma.project.count({ where: { customerId } })) <= 1) {
    throw new ConflictError(`Project '${project.slug}' is the account's only project: create another before deleting it`, { field: 'project' });
  }
  const files = await actor.prisma.backupRecord.findMany({
    where: { tenant: { projectId: project.id }, storagePath: { not: null } },
    select: { destination: true, copies: true, storagePath: true, files: { select: { storagePath: true } } },
  });
  await actor.prisma.$transaction([
    actor.prisma.tenant.deleteMany({ where: { projectId: project.id } }),
    actor.prisma.project.delete({ where: { id: project.id } }),
  ]);
  actor.credentialsChanged?.();
  // The project's data-plane databases go after the records, as the backup files do.
  if (dataPlane) await dropProjectDatabases(dataPlane, project.id);
  await Promise.allSettled(files.map((file) => removeBackupFiles(backups, file)));
  return project;
}
