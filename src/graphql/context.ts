import type { SubscriptionSlots } from './subscription-slots.js';
import type { AccountDeps } from '../modules/accounts/account-deps.js';
import type { Keyring } from '../lib/keyring.js';
import type { Actor } from '../kernel/principal.js';
import type { BackupDeps } from '../modules/backups/backup-files.js';
import type { DatabaseWork } from '../modules/tenantsdb-databases/database-work.js';
import type { RegionalDeployDeps } from '../modules/regional-deploys/regional-deploys.service.js';
import type { DomainDeps } from '../modules/domains/domains.service.js';
import type { RolloutDeps } from '../modules/schema-rollouts/schema-rollouts.service.js';
import type { QueryLogDeps } from '../modules/query-logs/query-logs.service.js';
import type { UsageMeter } from '../modules/usage/meter.js';
import type { DataPlaneDeps } from '../modules/data-plane-schemas/data-plane-deps.js';
import type { FieldLimited } from '../rate-limit/field-limits.js';
import type { ChangeSource, Clock } from '../kernel/change-watch.js';

export type GraphQLContext = Actor &
  FieldLimited & {
    /** Production refuses anonymous introspection; explorers in development may browse without a key. */
    production: boolean;
    meter: UsageMeter;
    backups: BackupDeps;
    databaseWork: DatabaseWork;
    domains: DomainDeps;
    regionalDeploys: RegionalDeployDeps;
    /** Where Control Core routes are mounted: tenant metrics name routes under it (`/policies`). */
    controlCorePrefix: string;
    /** Where tenants' own routes answer (TENANT_ROUTES_PREFIX, `/gw`). */
    tenantRoutesPrefix: string;
    /** Committed changes of every replica: what subscriptions wake on. */
    changes?: ChangeSource;
    /** Wakes each quiet subscription every 30 s (a thirtieth of them each second): when it checks its key again. */
    subscriptionClock?: Clock;
    /** Open subscriptions per key and in all (SUBSCRIPTIONS_PER_KEY, SUBSCRIPTIONS_MAX). */
    subscriptionSlots?: SubscriptionSlots;
    accounts: AccountDeps;
    /** Tenant and workspace schemas (TenantsDB's data plane). */
    dataPlane: DataPlaneDeps;
    /** The client's address, when the server knows it: what failed logins are counted against. */
    clientAddress?: string;
    /** SECRETS_KEY and SECRETS_KEY_PREVIOUS: what seals everything sealed at rest (lib/keyring). */
    keyring: Keyring;
    queryLogs: QueryLogDeps;
    /** Where the TenantsDB database proxy is reached (TENANTSDB_PROXY_HOST, the port it listens on): what connection strings name. */
    databaseProxy: { proxyHost: string; proxyPort: number };
    /** Deployments: wakes their worker when one is queued. */
    schemaRollouts: RolloutDeps;
    quotaCounted?: boolean;
    /** Set by REST routes: the route a GraphQL execution serves, for metering. */
    restRoute?: string;
    /** Set by public legacy routes (TenantsDB's /regions): anonymous even in production. */
    publicRoute?: boolean;
  };
