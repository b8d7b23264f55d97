import type { PlanTier } from '../../generated/prisma/enums.js';
import { tierMeets, tierRank } from '../../kernel/plans.js';

export { tierMeets, tierRank };

export type FeatureDefinition = {
  name: string;
  description: string;
  tierRequired: PlanTier;
  enabledByDefault: boolean;
  /** A feature that mirrors a security setting: the configuration is the single source of truth. */
  mirrors?: 'security.encryption_at_rest' | 'security.require_mfa' | 'security.enable_rls';
};

export const featureCatalog: readonly FeatureDefinition[] = [
  { name: 'advanced_analytics', description: 'Advanced analytics and reporting capabilities', tierRequired: 'PRO', enabledByDefault: true },
  { name: 'ml_features', description: 'Machine learning and AI features', tierRequired: 'ENTERPRISE', enabledByDefault: false },
  {
    name: 'row_level_security',
    description: 'Row-level security for data isolation',
    tierRequired: 'BASIC',
    enabledByDefault: true,
    mirrors: 'security.enable_rls',
  },
  { name: 'encryption_at_rest', description: 'Data encryption at rest', tierRequired: 'BASIC', enabledByDefault: true, mirrors: 'security.encryption_at_rest' },
  {
    name: 'multi_factor_auth',
    description: 'Multi-factor authentication requirement',
    tierRequired: 'PRO',
    enabledByDefault: false,
    mirrors: 'security.require_mfa',
  },
  { name: 'api_access', description: 'REST and GraphQL API access', tierRequired: 'FREE', enabledByDefault: true },
  { name: 'usage_reports', description: 'Monthly usage reports', tierRequired: 'FREE', enabledByDefault: true },
  { name: 'webhooks', description: 'Outbound webhooks for tenant events', tierRequired: 'BASIC', enabledByDefault: true },
  { name: 'data_export', description: 'Bulk data export', tierRequired: 'BASIC', enabledByDefault: true },
  { name: 'scheduled_backups', description: 'Automated scheduled backups', tierRequired: 'BASIC', enabledByDefault: true },
  { name: 'sandbox_environments', description: 'Sandbox environments for testing changes', tierRequired: 'BASIC', enabledByDefault: false },
  { name: 'custom_domains', description: 'Custom domains with managed TLS certificates', tierRequired: 'PRO', enabledByDefault: true },
  { name: 'ip_allowlisting', description: 'Restrict access by IP address', tierRequired: 'PRO', enabledByDefault: true },
  { name: 'custom_roles', description: 'Custom RBAC roles and permissions', tierRequired: 'PRO', enabledByDefault: true },
  { name: 'read_replicas', description: 'Read replicas in additional regions', tierRequired: 'PRO', enabledByDefault: false },
  { name: 'single_sign_on', description: 'SAML and OIDC single sign-on', tierRequired: 'ENTERPRISE', enabledByDefault: true },
  { name: 'scim_provisioning', description: 'SCIM user provisioning', tierRequired: 'ENTERPRISE', enabledByDefault: false },
  { name: 'priority_support', description: 'Priority support with a response-time SLA', tierRequired: 'ENTERPRISE', enabledByDefault: true },
];

export const featuresByName = new Map(featureCatalog.map((feature) => [feature.name, feature]));
