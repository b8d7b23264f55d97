import { z } from 'zod';
import {
  TenantsDbCreateProjectDocument,
  TenantsDbDeleteProjectDocument,
  TenantsDbProjectsDocument,
  TenantsDbSwitchProjectDocument,
} from '../../../generated/graphql/graphql.js';
import { defineRoute } from '../../types.js';
import { envelope, isoSeconds, ok } from './envelope.js';

export const projectsRoute = defineRoute(TenantsDbProjectsDocument, {
  method: 'GET',
  path: '/projects',
  summary: "The account's projects, oldest first",
  variables: () => ({}),
  respond: (data) => {
    const projects = data.viewer.customer.projects.map((project) => ({
      project_id: project.slug,
      name: project.name,
      api_key_count: project.apiKeyCount,
      created_at: isoSeconds(project.createdAt),
    }));
    return ok({ count: projects.length, projects });
  },
  success: {
    status: 200,
    description: 'The projects',
    schema: z.object({
      ...envelope,
      count: z.number().int(),
      projects: z.array(z.object({ project_id: z.string(), name: z.string(), api_key_count: z.number().int(), created_at: z.string() })),
    }),
  },
});

export const createProjectBody = z.object({ name: z.string().describe('Project name') });

export const createProjectRoute = defineRoute(TenantsDbCreateProjectDocument, {
  method: 'POST',
  path: '/projects',
  summary: 'Create a project; its API key is shown once',
  body: createProjectBody,
  variables: ({ body }) => ({ input: { name: body.name } }),
  respond: (data) => {
    const created = data.createCustomerProject;
    return ok(
      {
        project_id: created.project.slug,
        name: created.project.name,
        api_key: created.apiKey,
        proxy_password: created.proxyPassword,
        message: "Project created. Save your API key - it won't be shown again!",
      },
      'created',
    );
  },
  success: {
    status: 201,
    description: 'Created',
    schema: z.object({
      ...envelope,
      project_id: z.string(),
      name: z.string(),
      api_key: z.string(),
      proxy_password: z.string().nullable(),
      message: z.string(),
    }),
  },
});

export const switchProjectRoute = defineRoute(TenantsDbSwitchProjectDocument, {
  method: 'POST',
  path: '/projects/{id}/switch',
  summary: 'A session key for another project of the account, by project id or name (an ambiguous name is 409)',
  variables: ({ params }) => ({ project: params.id! }),
  respond: (data) => {
    const access = data.switchProject;
    return ok({ project_id: access.project.slug, name: access.project.name, api_key: access.apiKey, proxy_password: access.proxyPassword });
  },
  success: {
    status: 200,
    description: 'Switched',
    schema: z.object({ ...envelope, project_id: z.string(), name: z.string(), api_key: z.string(), proxy_password: z.string().nullable() }),
  },
});

export const deleteProjectRoute = defineRoute(TenantsDbDeleteProjectDocument, {
  method: 'DELETE',
  path: '/projects/{id}',
  summary: "Delete a project with its tenants, backups and API keys (not the account's only project)",
  variables: ({ params }) => ({ project: params.id! }),
  respond: (data) => ok({ message: `Project '${data.deleteProject.slug}' deleted successfully` }),
  success: { status: 200, description: 'Deleted', schema: z.object({ ...envelope, message: z.string() }) },
});
