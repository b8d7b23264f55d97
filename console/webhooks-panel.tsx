import { graphql } from './api.js';
import type { TenantSummary } from './tenant-page.js';
import { useLoad } from './use-load.js';
import { ErrorMessage } from './messages.js';

type Delivery = {
  id: string;
  event: string;
  url: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
};

/** The tenant's newest 25 webhook deliveries and how each went. */
export function WebhooksPanel({ apiKey, tenant }: { apiKey: string; tenant: TenantSummary }) {
  const loaded = useLoad(
    () =>
      graphql<{ webhookDeliveries: { edges: { node: Delivery }[] } }>(
        apiKey,
        'query ConsoleDeliveries($tenant: ID) { webhookDeliveries(tenant: $tenant, first: 25) { edges { node { id event url status attempts lastError createdAt deliveredAt } } } }',
        { tenant: tenant.id },
      ),
    [apiKey, tenant.id],
  );
  const deliveries = loaded.data?.webhookDeliveries.edges.map((edge) => edge.node);
  return (
    <section class="card" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhook deliveries</h2>
      <ErrorMessage text={loaded.error} />
      {!deliveries && !loaded.error && <p aria-live="polite">Loading deliveries…</p>}
      {deliveries?.length === 0 && <p class="muted">No webhook delivery for {tenant.slug} yet.</p>}
      {deliveries && deliveries.length > 0 && (
        <table class="deliveries">
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Event</th>
              <th scope="col">URL</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((delivery) => (
              <tr key={delivery.id}>
                <td>{new Date(delivery.createdAt).toLocaleString()}</td>
                <td>
                  <code>{delivery.event}</code>
                </td>
                <td class="url">{delivery.url}</td>
                <td class={`delivery-${delivery.status.toLowerCase()}`}>
                  {delivery.status.toLowerCase()}
                  {delivery.lastError && <span class="muted"> · {delivery.lastError}</span>}
                </td>
                <td>{delivery.attempts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
