import { z } from 'zod';
import type { Prisma, Project } from '../../generated/prisma/client.js';
import { ForbiddenError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import { auditedChange, recordAudit } from '../../kernel/audit-trail.js';
import { apiKeyEvent, auditedKey } from '../identity/api-keys.js';
import { type Actor, requireScope } from '../../kernel/principal.js';
import { assertProjectQuotas } from '../quotas/quotas.js';
import { mintProjectKey } from './session-keys.js';

function currentProjectId(actor: Actor): string {
  const principal = requireScope(actor, 'keys:write');
  if (principal.owner !== 'PROJECT' || !principal.projectId) throw new ForbiddenError('This API key does not belong to a project: use a project API key');
  return principal.projectId;
}

/** The project the caller's key belongs to, with what Pothos selects of it. */
export function viewerProject(actor: Actor, query: { include?: Prisma.ProjectInclude; select?: Prisma.ProjectSelect } = {}): Promise<Project> {
  return actor.prisma.project.findUniqueOrThrow({ ...query, where: { id: currentProjectId(actor) } });
}

const createSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, { error: 'name must not be empty' })
    .max(100, { error: 'name must be at most 100 characters' })
    .nullish()
    .transform((name) => name ?? 'API key'),
  expiresAt: z
    .date()
    .refine((value) => value.getTime() > Date.now(), { error: 'expiresAt must be in the future' })
    .nullish(),
});

/** A further key of the caller's project, with the caller's own scopes; the secret is shown this once. */
export async function createProjectApiKey(actor: Actor, input: { name?: string | null; expiresAt?: Date | null }) {
  const projectId = currentProjectId(actor);
  const data = parseInput(createSchema, input);
  const { label, scopes } = actor.principal!;
  return auditedChange(actor.prisma, async (tx) => {
    await assertProjectQuotas(tx, actor.principal, projectId, ['apiKeys']);
    const minted = await mintProjectKey(tx, { id: projectId }, { name: data.name, createdBy: label, expiresAt: data.expiresAt ?? null, scopes: [...scopes] });
    await recordAudit(tx, actor, apiKeyEvent('api_key.created', minted.apiKey, null, auditedKey(minted.apiKey)));
    return minted;
  });
}
