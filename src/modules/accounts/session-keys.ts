import type { Prisma, Project } from '../../generated/prisma/client.js';
import { mintTenantsDbKey } from '../identity/api-keys.js';

type Tx = Prisma.TransactionClient;

type KeySpec = { name: string; createdBy: string; expiresAt?: Date | null; scopes?: string[] };

/** A project's own key, shown once: at signup, when the project is created, or from /apikeys. */
export async function mintProjectKey(tx: Tx, project: Pick<Project, 'id'>, { name, createdBy, expiresAt = null, scopes = ['admin'] }: KeySpec) {
  const { key, prefix, secretHash } = mintTenantsDbKey();
  const apiKey = await tx.apiKey.create({
    data: { name, scopes, prefix, secretHash, owner: 'PROJECT', projectId: project.id, createdBy, expiresAt },
  });
  return { apiKey, secret: key };
}

/**
 * Login and switch show a key for a project, yet a key is stored only as a hash: each shows a
 * fresh session key, which expires and replaces the project's previous session key.
 */
export async function startSession(tx: Tx, project: Pick<Project, 'id'>, customerEmail: string, ttlMs: number): Promise<string> {
  await tx.apiKey.deleteMany({ where: { projectId: project.id, session: true } });
  const { key, prefix, secretHash } = mintTenantsDbKey();
  await tx.apiKey.create({
    data: {
      name: 'session',
      session: true,
      scopes: ['admin'],
      prefix,
      secretHash,
      owner: 'PROJECT',
      projectId: project.id,
      createdBy: customerEmail,
      expiresAt: new Date(Date.now() + ttlMs),
    },
  });
  return key;
}
