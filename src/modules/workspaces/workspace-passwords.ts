import type { PrismaClient, Workspace } from '../../generated/prisma/client.js';
import { type Keyring, open, type RewrapCount, rewrap, rewrapPageSize, rewrapRows, seal } from '../../lib/keyring.js';
import { workspaceSchemaName } from './workspace-access.js';

/** Bound to the workspace's schema: a sealed value copied onto another workspace does not open there. */
const context = (schemaName: string) => `workspace-password:${schemaName}`;
/** Before the keyring format: sealed with a keyring key directly, this as additional data. */
const legacy = (schemaName: string) => ({ aad: `workspace:${schemaName}` });

type SealedWorkspace = Pick<Workspace, 'passwordSealed' | 'legacySchemaName'> & { placement: { schemaName: string } | null };

export function sealWorkspacePassword(keyring: Keyring, schemaName: string, password: string): Uint8Array<ArrayBuffer> {
  return seal(keyring, context(schemaName), password);
}

export function openWorkspacePassword(keyring: Keyring, workspace: SealedWorkspace): string {
  const schemaName = workspaceSchemaName(workspace);
  const password = open(keyring, context(schemaName), workspace.passwordSealed, legacy(schemaName));
  if (!password) throw new Error(`the password of workspace schema ${schemaName} does not open with SECRETS_KEY or SECRETS_KEY_PREVIOUS`);
  return password.toString('utf8');
}

/** Key rotation: every workspace's password under the current key. */
export function rewrapWorkspacePasswords(prisma: Pick<PrismaClient, 'workspace'>, keyring: Keyring): Promise<RewrapCount> {
  return rewrapRows(
    (after) =>
      prisma.workspace.findMany({
        where: after ? { id: { gt: after } } : {},
        select: { id: true, passwordSealed: true, legacySchemaName: true, placement: { select: { schemaName: true } } },
        orderBy: { id: 'asc' },
        take: rewrapPageSize,
      }),
    (row) => {
      const schemaName = workspaceSchemaName(row);
      return rewrap(keyring, context(schemaName), row.passwordSealed, legacy(schemaName));
    },
    async (row, passwordSealed) =>
      (await prisma.workspace.updateMany({ where: { id: row.id, passwordSealed: { equals: row.passwordSealed } }, data: { passwordSealed } })).count === 1,
  );
}
