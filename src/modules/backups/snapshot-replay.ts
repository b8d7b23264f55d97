import { isDeepStrictEqual } from 'node:util';
import type { AuditChange } from '../../kernel/audit-trail.js';
import { sealedMark } from '../../kernel/audit-trail.js';
import { readGatewayConfig, viewOf } from '../../kernel/gateway-config-spec.js';
import { rbacFromPaths, rbacPaths, readRbac } from '../rbac/rbac-document.js';
import type { TenantSnapshot } from './snapshot.js';

type Keyed = Record<string, unknown>;

/** One change per key that differs, under `prefix`: the paths the single-purpose events write too. */
function keyedChanges(prefix: string, before: Keyed, after: Keyed): AuditChange[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((key) => !isDeepStrictEqual(before[key] ?? null, after[key] ?? null))
    .map((key) => ({ path: `${prefix}.${key}`, before: before[key] ?? null, after: after[key] ?? null }));
}

const limitKey = (limit: TenantSnapshot['resourceLimits'][number]) => `${limit.resource}.${limit.metric}.${limit.period.toLowerCase()}`;

function views(snapshot: TenantSnapshot) {
  const { id: _id, slug: _slug, ...tenant } = snapshot.tenant;
  const rbac = rbacPaths(readRbac(snapshot.rbac?.document));
  return {
    tenant,
    features: Object.fromEntries(snapshot.features.map((entry) => [entry.feature, entry.enabled])),
    limits: Object.fromEntries(
      snapshot.resourceLimits.map((limit) => [limitKey(limit), { limit: limit.limit, tiers: limit.tiers, gateAction: limit.gateAction }]),
    ),
    secrets: Object.fromEntries((snapshot.secrets?.values ?? []).map((value) => [value.name, value.sealed])),
    rbac: rbac.rbac,
    roles: rbac.roles,
    config: snapshot.config.document,
    gatewayConfig: viewOf(readGatewayConfig(snapshot.gatewayConfig?.document)) as unknown as Keyed,
  };
}

/**
 * What a restore changed, as the trail writes it: tenant fields, features, limits, secrets
 * (names only: a sealed value becomes the mark), roles, and the configuration and gateway
 * configuration by section (webhook secrets shown as hasSecret only).
 */
export function snapshotChanges(before: TenantSnapshot, after: TenantSnapshot): AuditChange[] {
  const a = views(before);
  const b = views(after);
  const secrets = keyedChanges('secrets', a.secrets, b.secrets).map((change) => ({
    path: change.path,
    before: change.before === null ? null : sealedMark,
    after: change.after === null ? null : sealedMark,
  }));
  return [
    ...keyedChanges('tenant', a.tenant, b.tenant),
    ...keyedChanges('features', a.features, b.features),
    ...keyedChanges('limits', a.limits, b.limits),
    ...secrets,
    ...keyedChanges('rbac', a.rbac, b.rbac),
    ...keyedChanges('roles', a.roles, b.roles),
    ...keyedChanges('config', a.config, b.config),
    ...keyedChanges('gatewayConfig', a.gatewayConfig, b.gatewayConfig),
  ];
}

/** The sealed values (base64) of the secret versions that events name, by version id. */
export type SealedVersions = ReadonlyMap<string, string>;

/**
 * Applies one audit change to a snapshot, in place. Replayed: tenant fields, features, resource
 * limits, secrets (from the version the change names) and roles; a section the backup does not
 * hold (older backups) stays as it is, and so does a secret change that names no version.
 * Everything else (status, API keys, backups, the configuration and the gateway configuration,
 * which come from their revisions) is not replayed from here.
 */
export function replayChange(snapshot: TenantSnapshot, change: AuditChange, versions: SealedVersions): void {
  const dot = change.path.indexOf('.');
  if (dot < 0) return;
  const section = change.path.slice(0, dot);
  const key = change.path.slice(dot + 1);
  const after = change.after;
  switch (section) {
    case 'tenant': {
      if (key === 'id' || key === 'slug' || !(key in snapshot.tenant)) return;
      (snapshot.tenant as Keyed)[key] = after;
      return;
    }
    case 'features': {
      snapshot.features = snapshot.features.filter((entry) => entry.feature !== key);
      if (typeof after === 'boolean')
        snapshot.features = [...snapshot.features, { feature: key, enabled: after }].sort((x, y) => x.feature.localeCompare(y.feature));
      return;
    }
    case 'limits': {
      const [resource, metric, period] = key.split('.');
      if (!resource || !metric || !period) return;
      const kept = snapshot.resourceLimits.filter((limit) => limitKey(limit) !== key);
      const shape = after as { limit: number; tiers: Record<string, unknown>; gateAction: 'BLOCK' | 'WARN' } | null;
      snapshot.resourceLimits = shape
        ? [
            ...kept,
            {
              resource,
              metric,
              period: period.toUpperCase() as TenantSnapshot['resourceLimits'][number]['period'],
              limit: shape.limit,
              tiers: shape.tiers ?? {},
              gateAction: shape.gateAction,
            },
          ]
        : kept;
      return;
    }
    case 'secrets': {
      if (!snapshot.secrets) return;
      if (after === null) {
        snapshot.secrets.values = snapshot.secrets.values.filter((value) => value.name !== key);
        return;
      }
      const sealed = change.sealedVersion ? versions.get(change.sealedVersion) : undefined;
      if (!sealed) return;
      snapshot.secrets.values = [...snapshot.secrets.values.filter((value) => value.name !== key), { name: key, sealed }].sort((x, y) =>
        x.name.localeCompare(y.name),
      );
      return;
    }
    case 'rbac':
    case 'roles': {
      if (snapshot.rbac === undefined) return;
      const paths = rbacPaths(readRbac(snapshot.rbac?.document));
      if (section === 'rbac') (paths.rbac as Keyed)[key] = after;
      else if (after === null) delete paths.roles[key];
      else paths.roles[key] = after as (typeof paths.roles)[string];
      snapshot.rbac = { document: rbacFromPaths(paths) as unknown as Keyed };
      return;
    }
  }
}
