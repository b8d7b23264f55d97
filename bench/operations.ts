/** The GraphQL documents the benchmark sends; the baseline answers exactly these. */
export const tenantQuery = `query BenchTenant($id: ID!) {
  tenant(id: $id) {
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
  }
}`;

export const tenantPageQuery = `query BenchTenantPage {
  tenants(first: 50) {
    edges {
      node {
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
      }
    }
  }
}`;
