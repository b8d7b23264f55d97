import { z } from 'zod';
import { TenantsDbLoginDocument, TenantsDbSignupDocument } from '../../../generated/graphql/graphql.js';
import { keyFormats } from '../../../modules/identity/api-keys.js';
import { defineRoute } from '../../types.js';
import { envelope, ok } from './envelope.js';

/** A TenantsDB API key as the seed shows them: tenantsdb_sk_ and 64 hex digits. */
export const tenantsDbKey = z.string().regex(new RegExp(keyFormats.tenantsdb));

export const signupBody = z.object({
  email: z.string().describe('Email address'),
  password: z.string().describe('Password (8 to 256 characters)'),
  project_name: z.string().optional().describe('Project name (default: "My Project")'),
});

export const signupRoute = defineRoute(TenantsDbSignupDocument, {
  method: 'POST',
  path: '/signup',
  summary: "Create an account with its first project; returns that project's API key, shown once (public)",
  public: true,
  body: signupBody,
  variables: ({ body }) => ({ input: { email: body.email, password: body.password, projectName: body.project_name ?? null } }),
  respond: (data) => ok({ api_key: data.signup.apiKey, project_id: data.signup.project.slug }, 'created'),
  success: { status: 201, description: 'The account was created', schema: z.object({ ...envelope, api_key: tenantsDbKey, project_id: z.string() }) },
});

export const loginBody = z.object({
  email: z.string().describe('Email address'),
  password: z.string().describe('Password'),
});

export const loginRoute = defineRoute(TenantsDbLoginDocument, {
  method: 'POST',
  path: '/login',
  summary: 'Every project of the account, each with a fresh session key (public; failures are throttled)',
  public: true,
  body: loginBody,
  variables: ({ body }) => ({ input: { email: body.email, password: body.password } }),
  respond: (data) =>
    ok({ projects: data.login.sessions.map((session) => ({ project_id: session.project.slug, name: session.project.name, api_key: session.apiKey })) }),
  success: {
    status: 200,
    description: 'Logged in',
    schema: z.object({ ...envelope, projects: z.array(z.object({ project_id: z.string(), name: z.string(), api_key: tenantsDbKey })) }),
  },
});
