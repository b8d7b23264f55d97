import { z } from 'zod';
import type { Customer, Project } from '../../generated/prisma/client.js';
import { ConflictError, UnauthenticatedError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import type { Actor } from '../../kernel/principal.js';
import type { AccountDeps } from './account-deps.js';
import { emailField, newPasswordField, projectNameField } from './account-inputs.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { createProjectRecord } from './project-records.js';
import { startSession } from './session-keys.js';

const signupSchema = z.object({
  email: emailField,
  password: newPasswordField,
  projectName: projectNameField('projectName')
    .nullish()
    .transform((name) => name ?? 'My Project'),
});

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'P2002';
const emailTaken = () => new ConflictError('An account with this email already exists', { field: 'email' });

/**
 * A customer, its first project (FREE) and that project's key, shown this once. Every
 * well-formed signup, taken email included, counts against its client address's hourly allowance.
 */
export async function signup(
  actor: Actor,
  deps: AccountDeps,
  clientAddress: string | undefined,
  input: { email: string; password: string; projectName?: string | null },
): Promise<{ customer: Customer; project: Project; apiKey: string }> {
  const data = parseInput(signupSchema, input);
  await deps.signupLimit?.take(clientAddress);
  if (await actor.prisma.customer.findUnique({ where: { email: data.email }, select: { id: true } })) throw emailTaken();
  const passwordHash = await hashPassword(data.password);
  try {
    return await actor.prisma.$transaction(async (tx) => {
      const customer = await tx.customer.create({ data: { email: data.email, passwordHash } });
      const { project, apiKey } = await createProjectRecord(tx, deps, customer, data.projectName);
      return { customer, project, apiKey };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
}

const loginSchema = z.object({
  email: emailField,
  password: z
    .string({ error: 'password is required' })
    .min(1, { error: 'password is required' })
    .max(256, { error: 'password must be at most 256 characters' }),
});

const refused = () => new UnauthenticatedError('Invalid email or password');

/**
 * Every project of the account, each with a fresh session key. A wrong password and an unknown
 * email are one answer after the same work (verifyPassword's dummy hash); failures count per
 * email and client address, per address and per email (login-throttle.ts), and past the
 * allowance attempts are RATE_LIMITED.
 */
export async function login(
  actor: Actor,
  deps: AccountDeps,
  clientAddress: string | undefined,
  input: { email: string; password: string },
): Promise<{ customer: Customer; sessions: { project: Project; apiKey: string }[] }> {
  const { email, password } = parseInput(loginSchema, input);
  await deps.loginThrottle?.check(email, clientAddress);
  const customer = await actor.prisma.customer.findUnique({ where: { email }, include: { projects: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } } });
  if (!(await verifyPassword(customer?.passwordHash ?? null, password)) || !customer) {
    await deps.loginThrottle?.failed(email, clientAddress);
    throw refused();
  }
  await deps.loginThrottle?.succeeded(email, clientAddress);
  const { projects, ...account } = customer;
  const sessions = await actor.prisma.$transaction(async (tx) => {
    const minted: { project: Project; apiKey: string }[] = [];
    for (const project of projects) minted.push({ project, apiKey: await startSession(tx, project, account.email, deps.sessionKeyTtlMs) });
    return minted;
  });
  actor.credentialsChanged?.();
  return { customer: account, sessions };
}
