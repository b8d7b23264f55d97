import { ForbiddenError } from '../../lib/errors.js';
import type { Keyring, RewrapCount } from '../../lib/keyring.js';
import { rewrapProxyPasswords } from '../accounts/proxy-passwords.js';
import { rewrapBackupFileKeys } from '../backups/backup-key-rotation.js';
import type { BackupStorages } from '../backups/storage.js';
import { rewrapDomainKeys } from '../domains/domain-keys.js';
import { type Actor, requireScope } from '../../kernel/principal.js';
import { rewrapTenantDataKeys } from '../secrets/envelope.js';
import { rewrapPlacementPasswords } from '../data-plane-schemas/placements.js';
import { rewrapProxyTlsKeys } from '../tenantsdb-proxy/proxy-tls.js';
import { rewrapWorkspacePasswords } from '../workspaces/workspace-passwords.js';

/** Everything the gateway's keyring seals, one kind per place it is kept. */
export const sealedKinds = [
  'TENANT_DATA_KEY',
  'PROXY_PASSWORD',
  'WORKSPACE_PASSWORD',
  'DATA_PLANE_ROLE_PASSWORD',
  'CUSTOM_DOMAIN_KEY',
  'BACKUP_FILE_KEY',
  'PROXY_TLS_KEY',
] as const;
export type SealedKind = (typeof sealedKinds)[number];

export type KindRewrap = RewrapCount & { kind: SealedKind };

/**
 * Key rotation, an operator act: every value the keyring seals is moved under the current
 * SECRETS_KEY and into the keyring format (values sealed by older gateways included), opening
 * each with SECRETS_KEY_PREVIOUS where needed. Values already there are left alone; those no key
 * of the ring opens are counted and left as they are. Tenant secrets and webhook secrets are
 * sealed by their tenant's data key, and backup files by their own: re-wrapping those keys moves
 * them without rewriting them. Once every replica runs with the new key and this reports nothing
 * unopenable, SECRETS_KEY_PREVIOUS can be dropped.
 */
export async function rewrapSealedValues(actor: Actor, deps: { keyring: Keyring; storages: BackupStorages }): Promise<KindRewrap[]> {
  const principal = requireScope(actor, 'admin');
  if (principal.owner !== 'GLOBAL') throw new ForbiddenError('Re-wrapping what the keyring seals is an operator act');
  const { prisma } = actor;
  const { keyring } = deps;
  const kinds: Record<SealedKind, () => Promise<RewrapCount>> = {
    TENANT_DATA_KEY: () => rewrapTenantDataKeys(prisma, keyring),
    PROXY_PASSWORD: () => rewrapProxyPasswords(prisma, keyring),
    WORKSPACE_PASSWORD: () => rewrapWorkspacePasswords(prisma, keyring),
    DATA_PLANE_ROLE_PASSWORD: () => rewrapPlacementPasswords(prisma, keyring),
    CUSTOM_DOMAIN_KEY: () => rewrapDomainKeys(prisma, keyring),
    BACKUP_FILE_KEY: () => rewrapBackupFileKeys(prisma, { keyring, storages: deps.storages }),
    PROXY_TLS_KEY: () => rewrapProxyTlsKeys(prisma, keyring),
  };
  const report: KindRewrap[] = [];
  for (const kind of sealedKinds) report.push({ kind, ...(await kinds[kind]()) });
  return report;
}
