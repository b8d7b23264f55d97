import { z } from 'zod';
import {
  ControlCoreAddDomainDocument,
  ControlCoreDeployDocument,
  ControlCoreDeploymentDocument,
  ControlCoreDomainsDocument,
  ControlCoreRemoveDomainDocument,
  ControlCoreVerifyDomainDocument,
} from '../../../generated/graphql/graphql.js';
import { defineRoute, type Route } from '../../types.js';
import { billingRoutes } from './billing.routes.js';
import { metricsRoutes } from './metrics.routes.js';
import { instant } from './instants.js';
import { tenantContext, tenantScoped } from './tenant-context.js';

// Custom domains, regional deployments, billing and metrics (issue 14). Decisions: README.md, "Operations".

const lower = <T extends string>(value: T) => value.toLowerCase() as Lowercase<T>;

const dnsInstructions = z.object({ cname_record: z.string(), txt_record: z.string() });
const progress = (value: { databaseMigration: string; dnsUpdate: string; sslSetup: string }) => ({
  database_migration: lower(value.databaseMigration),
  dns_update: lower(value.dnsUpdate),
  ssl_setup: lower(value.sslSetup),
});
const phase = z.enum(['pending', 'in_progress', 'completed', 'skipped']);
const progressSchema = z.object({ database_migration: phase, dns_update: phase, ssl_setup: phase });

const addDomain = defineRoute(ControlCoreAddDomainDocument, {
  method: 'POST',
  path: '/tenants/{tenant_id}/domains',
  summary: 'Add a custom domain with its certificate and private key (pending until verified)',
  ...tenantScoped,
  body: z.object({
    domain: z.string().describe('A host name the tenant owns, like policies.acme.com'),
    ssl_certificate: z.string().describe('PEM certificate covering the domain, valid now'),
    ssl_private_key: z.string().describe('PEM private key of the certificate: sealed at rest, never returned'),
  }),
  variables: (request) => ({
    context: tenantContext(request),
    input: { domain: request.body.domain, sslCertificate: request.body.ssl_certificate, sslPrivateKey: request.body.ssl_private_key },
  }),
  respond: ({ addCustomDomain: added }) => ({
    status: 201,
    body: {
      domain: added.domain,
      status: lower(added.status),
      ssl_status: lower(added.sslStatus),
      dns_instructions: { cname_record: added.dnsInstructions!.cnameRecord, txt_record: added.dnsInstructions!.txtRecord },
    },
  }),
  success: {
    status: 201,
    description: 'Added, pending: publish the TXT record, point the domain at the CNAME, then verify',
    schema: z.object({ domain: z.string(), status: z.literal('pending'), ssl_status: z.literal('pending'), dns_instructions: dnsInstructions }),
  },
});

const verifyDomain = defineRoute(ControlCoreVerifyDomainDocument, {
  method: 'POST',
  path: '/tenants/{tenant_id}/domains/{domain}/verify',
  summary: 'Look the TXT record up on the domain and on _control-core-verification.<domain>; 412 naming both when absent',
  ...tenantScoped,
  variables: (request) => ({ context: tenantContext(request), domain: request.params.domain! }),
  respond: ({ verifyCustomDomain: verified }) => ({
    status: 200,
    body: { domain: verified.domain, status: 'verified', ssl_status: lower(verified.sslStatus), verified_at: instant(verified.verifiedAt) },
  }),
  success: {
    status: 200,
    description: 'Verified: the domain serves the tenant',
    schema: z.object({ domain: z.string(), status: z.literal('verified'), ssl_status: z.enum(['active', 'expired']), verified_at: z.string().nullable() }),
  },
});

const listDomains = defineRoute(ControlCoreDomainsDocument, {
  method: 'GET',
  path: '/tenants/{tenant_id}/domains',
  summary: "The tenant's custom domains, then its default domain (is_default)",
  ...tenantScoped,
  variables: (request) => ({ context: tenantContext(request) }),
  respond: ({ tenantDomains }) => ({
    status: 200,
    body: tenantDomains.map((entry) =>
      entry.isDefault
        ? { domain: entry.domain, status: lower(entry.status), ssl_status: lower(entry.sslStatus), is_default: true }
        : {
            domain: entry.domain,
            status: lower(entry.status),
            ssl_status: lower(entry.sslStatus),
            verified_at: instant(entry.verifiedAt),
            ...(entry.status === 'PENDING' && entry.dnsInstructions
              ? { dns_instructions: { cname_record: entry.dnsInstructions.cnameRecord, txt_record: entry.dnsInstructions.txtRecord } }
              : {}),
          },
    ),
  }),
  success: {
    status: 200,
    description: 'The domains',
    schema: z.array(
      z.object({
        domain: z.string(),
        status: z.enum(['pending', 'active']),
        ssl_status: z.enum(['pending', 'active', 'expired']),
        verified_at: z.string().nullable().optional(),
        is_default: z.literal(true).optional(),
        dns_instructions: dnsInstructions.optional(),
      }),
    ),
  },
});

const removeDomain = defineRoute(ControlCoreRemoveDomainDocument, {
  method: 'DELETE',
  path: '/tenants/{tenant_id}/domains/{domain}',
  summary: 'Remove a custom domain and its sealed key',
  ...tenantScoped,
  variables: (request) => ({ context: tenantContext(request), domain: request.params.domain! }),
  respond: () => ({ status: 204 }),
  success: { status: 204, description: 'Removed' },
});

const deploy = defineRoute(ControlCoreDeployDocument, {
  method: 'POST',
  path: '/tenants/{tenant_id}/deploy',
  summary: 'Move the tenant to another region: safety backup, database migration, DNS update, SSL setup',
  ...tenantScoped,
  body: z.object({
    region: z.string().describe('One of the nine regions, not the current one'),
    migrate_data: z.boolean().optional().describe('Move the data too (default true)'),
    maintenance_window: z.iso.datetime({ offset: true }).optional().describe('When to start (ISO 8601); now when absent or past'),
  }),
  variables: (request) => ({
    context: tenantContext(request),
    input: { region: request.body.region, migrateData: request.body.migrate_data, maintenanceWindow: request.body.maintenance_window },
  }),
  respond: ({ deployTenantToRegion: started }) => ({
    status: 202,
    body: {
      deployment_id: started.id,
      status: lower(started.status),
      region: started.region,
      estimated_completion: instant(started.estimatedCompletion),
      progress: progress(started.progress),
    },
  }),
  success: {
    status: 202,
    description: 'Started (or scheduled for the maintenance window)',
    schema: z.object({
      deployment_id: z.string(),
      status: z.enum(['in_progress', 'scheduled']),
      region: z.string(),
      estimated_completion: z.string(),
      progress: progressSchema,
    }),
  },
});

const deployment = defineRoute(ControlCoreDeploymentDocument, {
  method: 'GET',
  path: '/tenants/{tenant_id}/deployments/{deployment_id}',
  summary: 'Where a regional deployment stands',
  ...tenantScoped,
  variables: (request) => ({ context: tenantContext(request), id: request.params.deployment_id! }),
  respond: ({ regionalDeploy: found }) => ({
    status: 200,
    body: {
      deployment_id: found.id,
      status: lower(found.status),
      region: found.region,
      started_at: instant(found.startedAt),
      completed_at: instant(found.completedAt ?? null),
      new_domain: found.newDomain ?? null,
      estimated_completion: instant(found.estimatedCompletion),
      progress: progress(found.progress),
    },
  }),
  success: {
    status: 200,
    description: 'The deployment',
    schema: z.object({
      deployment_id: z.string(),
      status: z.enum(['scheduled', 'in_progress', 'completed']),
      region: z.string(),
      started_at: z.string(),
      completed_at: z.string().nullable(),
      new_domain: z.string().nullable(),
      estimated_completion: z.string(),
      progress: progressSchema,
    }),
  },
});

/** Custom domains, regional deployments, billing and metrics. */
export const opsRoutes: Route[] = [addDomain, verifyDomain, listDomains, removeDomain, deploy, deployment, ...billingRoutes, ...metricsRoutes];
