import {
  type DocumentNode,
  getNamedType,
  type GraphQLSchema,
  getOperationAST,
  isInterfaceType,
  isObjectType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';

/**
 * What the response cache may keep: a query whose every field is made only of rows the change
 * feed announces (tenants, configurations, features, resource limits, custom domains, keys,
 * projects; migration 20261206143000_change_feed) and of nothing that moves with the clock.
 * A field outside this list (usage, backups, jobs, `state`, which turns EXPIRED as time passes)
 * makes the whole operation uncacheable: it runs every time, as before.
 */
const wholeRoots = [
  'TenantConfig',
  'TenantConfigIfChanged',
  'TenantFeatures',
  'TenantFeature',
  'PlanLimits',
  'QueryTenantsConnection',
  'QueryTenantsConnectionEdge',
  'PageInfo',
];

const someFields: Record<string, ReadonlySet<string>> = {
  Query: new Set(['tenant', 'tenants', 'tenantConfig', 'tenantConfigIfChanged', 'tenantFeatures']),
  Tenant: new Set([
    'id',
    'slug',
    'name',
    'status',
    'tier',
    'region',
    'isolation',
    'projectId',
    'createdAt',
    'updatedAt',
    'deletedAt',
    'suspendedAt',
    'expiresAt',
    'settings',
    'customDomain',
    'domain',
    'config',
    'features',
    'planLimits',
    'maxUsers',
    'maxPolicies',
    'maxBouncers',
    'maxStorageMb',
    'maxApiCallsPerMonth',
    'maxLlmTokensPerMonth',
  ]),
};

/** The roots and every object type below them (a configuration's sections and their parts), stopping at the types listed field by field. */
const wholeTypesOf = new WeakMap<GraphQLSchema, ReadonlySet<string>>();
function wholeTypes(schema: GraphQLSchema): ReadonlySet<string> {
  let found = wholeTypesOf.get(schema);
  if (found) return found;
  const names = new Set<string>();
  const visitType = (name: string) => {
    const type = schema.getType(name);
    if (names.has(name) || name in someFields || !(isObjectType(type) || isInterfaceType(type))) return;
    names.add(name);
    for (const field of Object.values(type.getFields())) visitType(getNamedType(field.type).name);
  };
  for (const root of wholeRoots) visitType(root);
  found = names;
  wholeTypesOf.set(schema, found);
  return found;
}

function fieldAllowed(whole: ReadonlySet<string>, parent: string, field: string): boolean {
  return field === '__typename' || whole.has(parent) || (someFields[parent]?.has(field) ?? false);
}

const verdicts = new WeakMap<DocumentNode, Map<string, boolean>>();

/** Whether an operation's answer may be kept; decided once per parsed document (documents come from the parse cache). */
export function isCacheableOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): boolean {
  let byName = verdicts.get(document);
  if (!byName) verdicts.set(document, (byName = new Map()));
  const name = operationName ?? '';
  let verdict = byName.get(name);
  if (verdict === undefined) {
    verdict = decide(schema, document, operationName);
    byName.set(name, verdict);
  }
  return verdict;
}

function decide(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'query') return false;
  // Fragments are checked where they are spread; the walk covers the whole document, which for
  // a document of several operations can only refuse more than needed.
  const typeInfo = new TypeInfo(schema);
  const whole = wholeTypes(schema);
  let allowed = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || !typeInfo.getFieldDef() || !fieldAllowed(whole, getNamedType(parent).name, node.name.value)) allowed = false;
      },
    }),
  );
  return allowed;
}
