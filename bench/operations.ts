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
