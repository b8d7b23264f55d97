/** The GraphQL documents the benchmark sends; the baseline answers exactly these. */
const tenantFields = `fragment BenchTenantFields on Tenant {
  id
  slug
  config {
    version
    performance { cacheSizeMb maxParallelWorkers }
    security { requireMfa sessionTimeoutMins }
  }
  features {
    totalEnabled
    features { name enabled }
  }
}`;

export const tenantQuery = `query BenchTenant($id: ID!) {
  tenant(id: $id) { ...BenchTenantFields }
}
${tenantFields}`;

export const tenantPageQuery = `query BenchTenantPage {
  tenants(first: 50) { edges { node { ...BenchTenantFields } } }
}
${tenantFields}`;

/** W6: an admin query on one tenant database; {id} is the tenant, {n} a number. */
export const adminQueryBody = JSON.stringify({ blueprint: 'main', query: 'SELECT id, name, email FROM users WHERE id = {n} % 100', tenant_id: '{id}' });

/** W6W: the same, one row written: what a tenant's write costs (its change log included, issue 27). */
export const adminWriteBody = JSON.stringify({ blueprint: 'main', query: "UPDATE users SET name = 'user {n}' WHERE id = {n} % 100", tenant_id: '{id}' });
