/** What GraphiQL opens on: a real operation over the demo data (`npm run db:seed`). */
export const graphiqlDefaultQuery = `# Welcome to tenant-gateway.
#
# 1. Put your API key in the Headers tab below:
#      { "Authorization": "Bearer tgw_XXXXXXXX_..." }
#    (npm start prints an operator key on first start; GATEWAY_ADMIN_KEY sets your own.)
# 2. Load the demo project if the list is empty: npm run db:seed
# 3. Run this operation with the ▶ button.

query TenantsWithConfiguration {
  tenants(first: 10) {
    totalCount
    edges {
      node {
        slug
        name
        tier
        state
        region
        config {
          version
          performance { cacheSizeMb maxParallelWorkers }
          security { requireMfa encryptionAtRest }
        }
        features {
          totalEnabled
          features { name enabled available }
        }
      }
    }
  }
}
`;

/** The Headers tab's prefilled placeholder: sent as it is, it is no credential at all, not a refused one. */
export const graphiqlHeaderPlaceholder = 'Bearer <your API key>';
