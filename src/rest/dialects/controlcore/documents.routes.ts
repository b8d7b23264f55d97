import { z } from 'zod';
import {
  ControlCoreCreateDocumentDocument,
  ControlCoreDeleteDocumentDocument,
  type ControlCoreDocumentFragment,
  ControlCoreDocumentsDocument,
  ControlCoreUpdateDocumentDocument,
  type DocumentKind,
  type PolicyMode,
} from '../../../generated/graphql/graphql.js';
import { defineRoute, type Route } from '../../types.js';
import { isoSeconds } from './tenants.routes.js';
import { tenantContext, tenantScoped } from './tenant-context.js';

const modes = ['active', 'sandbox'] as const;

function documentRoutes(kind: DocumentKind, path: string, plural: string): Route[] {
  const policy = kind === 'POLICY';
  const json = (document: ControlCoreDocumentFragment) => ({
    id: document.id,
    name: document.name,
    description: document.description,
    spec: document.spec as Record<string, unknown>,
    ...(policy ? { mode: document.mode?.toLowerCase() ?? 'active' } : {}),
    created_at: isoSeconds(document.createdAt),
    updated_at: isoSeconds(document.updatedAt),
  });
  const schema = z.object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    spec: z.record(z.string(), z.unknown()),
    ...(policy ? { mode: z.enum(modes) } : {}),
    created_at: z.string(),
    updated_at: z.string(),
  });
  const fields = {
    description: z.string().optional(),
    spec: z.record(z.string(), z.unknown()).optional().describe('A JSON object, up to 64 KiB'),
  };
  // Only policies have a mode: on a resource or bouncer it is an unknown field, refused as one.
  const withMode = <T extends z.ZodObject>(body: T) =>
    policy ? body.extend({ mode: z.enum(modes).optional().describe('active (enforced, the default) or sandbox') }) : body;
  const input = (body: { name?: string; description?: string; spec?: Record<string, unknown>; mode?: (typeof modes)[number] }) => ({
    name: body.name ?? null,
    description: body.description ?? null,
    spec: body.spec ?? null,
    mode: body.mode ? (body.mode.toUpperCase() as PolicyMode) : null,
  });
  return [
    defineRoute(ControlCoreDocumentsDocument, {
      method: 'GET',
      path,
      summary: `The tenant's ${plural}, oldest first`,
      ...tenantScoped,
      variables: (request) => ({ context: tenantContext(request), kind }),
      respond: (data) => ({ status: 200, body: data.tenantDocuments.map(json) }),
      success: { status: 200, description: `The ${plural}`, schema: z.array(schema) },
    }),
    defineRoute(ControlCoreCreateDocumentDocument, {
      method: 'POST',
      path,
      summary: `Create a ${kind.toLowerCase()} of the tenant`,
      ...tenantScoped,
      body: withMode(z.object({ name: z.string().describe('Unique in the tenant'), ...fields }).strict()),
      variables: (request) => ({ context: tenantContext(request), kind, input: input(request.body) }),
      respond: (data) => ({ status: 201, body: json(data.createTenantDocument) }),
      success: { status: 201, description: 'Created', schema },
    }),
    defineRoute(ControlCoreUpdateDocumentDocument, {
      method: 'PUT',
      path: `${path}/{id}`,
      summary: `Change a ${kind.toLowerCase()} of the tenant (the fields given)`,
      ...tenantScoped,
      body: withMode(z.object({ name: z.string().optional(), ...fields }).strict()),
      variables: (request) => ({ context: tenantContext(request), kind, id: request.params.id!, input: input(request.body) }),
      respond: (data) => ({ status: 200, body: json(data.updateTenantDocument) }),
      success: { status: 200, description: 'Updated', schema },
    }),
    defineRoute(ControlCoreDeleteDocumentDocument, {
      method: 'DELETE',
      path: `${path}/{id}`,
      summary: `Delete a ${kind.toLowerCase()} of the tenant`,
      ...tenantScoped,
      variables: (request) => ({ context: tenantContext(request), kind, id: request.params.id! }),
      respond: () => ({ status: 204 }),
      success: { status: 204, description: 'Deleted' },
    }),
  ];
}

/** Tenant-scoped policies, resources and bouncers: GET and POST, PUT and DELETE /{id}. */
export const documentRouteGroup: Route[] = [
  ...documentRoutes('POLICY', '/policies', 'policies'),
  ...documentRoutes('RESOURCE', '/resources', 'resources'),
  ...documentRoutes('BOUNCER', '/bouncers', 'bouncers'),
];
