import { builder } from '../../graphql/builder.js';
import { ApiKeyRef } from '../identity/identity.types.js';
import { login, signup } from './accounts.service.js';
import { CustomerRef, ProjectAccessRef } from './accounts.types.js';
import { createProjectApiKey } from './project-keys.service.js';
import { createCustomerProject, deleteProject, switchProject } from './projects.service.js';

const SignupInput = builder.inputType('SignupInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true, description: '8 to 256 characters' }),
    projectName: t.string({ required: false, description: 'The first project\'s name; "My Project" by default' }),
  }),
});

const SignupPayload = builder.objectRef<Awaited<ReturnType<typeof signup>>>('SignupPayload').implement({
  fields: (t) => ({
    customer: t.field({ type: CustomerRef, resolve: (payload) => payload.customer }),
    project: t.prismaField({
      type: 'Project',
      resolve: (query, payload, _args, ctx) => ctx.prisma.project.findUniqueOrThrow({ ...query, where: { id: payload.project.id } }),
    }),
    apiKey: t.exposeString('apiKey', { description: "The first project's key. Shown this once: store it now." }),
  }),
});

builder.mutationField('signup', (t) =>
  t.field({
    description:
      "Open a TenantsDB account with its first project (FREE) and that project's key. Needs no API key; limited per client address (SIGNUP_PER_ADDRESS_PER_HOUR).",
    type: SignupPayload,
    args: { input: t.arg({ type: SignupInput, required: true }) },
    resolve: (_root, { input }, ctx) => signup(ctx, ctx.accounts, ctx.clientAddress, input),
  }),
);

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({ email: t.string({ required: true }), password: t.string({ required: true }) }),
});

const LoginPayload = builder.objectRef<Awaited<ReturnType<typeof login>>>('LoginPayload').implement({
  fields: (t) => ({
    customer: t.field({ type: CustomerRef, resolve: (payload) => payload.customer }),
    sessions: t.field({
      type: [ProjectAccessRef],
      description: "Every project of the account with a fresh session key (expiring; it replaces the project's previous session key)",
      resolve: (payload) => payload.sessions,
    }),
  }),
});

builder.mutationField('login', (t) =>
  t.field({
    description: 'Every project of the account, each with a fresh session key. Needs no API key; failures are throttled per email and per address.',
    type: LoginPayload,
    args: { input: t.arg({ type: LoginInput, required: true }) },
    resolve: (_root, { input }, ctx) => login(ctx, ctx.accounts, ctx.clientAddress, input),
  }),
);

const CreateCustomerProjectInput = builder.inputType('CreateCustomerProjectInput', {
  fields: (t) => ({ name: t.string({ required: true }) }),
});

builder.mutationField('createCustomerProject', (t) =>
  t.field({
    description: "A new project of the caller's TenantsDB account, with its key (shown this once) and its proxy password",
    type: ProjectAccessRef,
    args: { input: t.arg({ type: CreateCustomerProjectInput, required: true }) },
    resolve: (_root, { input }, ctx) => createCustomerProject(ctx, ctx.accounts, input),
  }),
);

builder.mutationField('switchProject', (t) =>
  t.field({
    description: "One of the account's projects, by project id or name, with a fresh session key and its proxy password",
    type: ProjectAccessRef,
    args: { project: t.arg.string({ required: true }) },
    resolve: (_root, { project }, ctx) => switchProject(ctx, ctx.accounts, project),
  }),
);

const DeletedProject = builder.objectRef<{ slug: string; name: string }>('DeletedProject').implement({
  fields: (t) => ({ slug: t.exposeString('slug'), name: t.exposeString('name') }),
});

builder.mutationField('deleteProject', (t) =>
  t.field({
    description: "Delete one of the account's projects with its tenants, backups and keys (not the account's only project)",
    type: DeletedProject,
    args: { project: t.arg.string({ required: true }) },
    resolve: (_root, { project }, ctx) => deleteProject(ctx, ctx.backups, project, ctx.dataPlane),
  }),
);

const CreateProjectApiKeyInput = builder.inputType('CreateProjectApiKeyInput', {
  fields: (t) => ({ name: t.string({ required: false }), expiresAt: t.field({ type: 'DateTime', required: false }) }),
});

const ProjectApiKeyPayload = builder.objectRef<Awaited<ReturnType<typeof createProjectApiKey>>>('ProjectApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (payload) => payload.apiKey }),
    secret: t.exposeString('secret', { description: 'The whole key. Shown this once: store it now.' }),
  }),
});

builder.mutationField('createProjectApiKey', (t) =>
  t.field({
    description: "A further key of the caller's project, with the caller's scopes",
    type: ProjectApiKeyPayload,
    args: { input: t.arg({ type: CreateProjectApiKeyInput, required: true }) },
    resolve: (_root, { input }, ctx) => createProjectApiKey(ctx, input),
  }),
);
