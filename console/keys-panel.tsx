import { useState } from 'preact/hooks';
import { graphql } from './api.js';
import { Confirm } from './confirm.js';
import type { Viewer } from './session.js';
import type { TenantSummary } from './tenant-page.js';
import { messageOf, useLoad } from './use-load.js';
import { ErrorMessage } from './messages.js';

type Key = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  tenantId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

const allScopes = [
  'TENANTS_READ',
  'CONFIG_READ',
  'CONFIG_WRITE',
  'FEATURES_READ',
  'FEATURES_WRITE',
  'LIMITS_READ',
  'USAGE_READ',
  'BACKUPS_READ',
  'BACKUPS_WRITE',
  'KEYS_WRITE',
  'ROUTES_CALL',
];
const keyFields = 'id name prefix scopes tenantId createdAt lastUsedAt revokedAt';
const scopeName = (scope: string) => scope.toLowerCase().replace('_', ':');

/**
 * The tenant's keys (its newest 100), a new one with the scopes the caller
 * holds (its secret shown once), and revocation after a confirmation.
 */
export function KeysPanel({ apiKey, viewer, tenant }: { apiKey: string; viewer: Viewer; tenant: TenantSummary }) {
  const keys = useLoad(
    () =>
      graphql<{ apiKeys: { edges: { node: Key }[]; pageInfo: { hasNextPage: boolean } } }>(
        apiKey,
        `query ConsoleKeys($tenant: ID) { apiKeys(first: 100, tenant: $tenant) { edges { node { ${keyFields} } } pageInfo { hasNextPage } } }`,
        { tenant: tenant.id },
      ),
    [apiKey, tenant.id],
  );
  const offered = viewer.owner === 'GLOBAL' || viewer.scopes.includes('ADMIN') ? allScopes : allScopes.filter((scope) => viewer.scopes.includes(scope));
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['TENANTS_READ']);
  const [secret, setSecret] = useState<{ name: string; value: string }>();
  const [revoking, setRevoking] = useState<Key>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const create = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { createApiKey } = await graphql<{ createApiKey: { secret: string; apiKey: Key } }>(
        apiKey,
        `mutation ConsoleCreateKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { ${keyFields} } } }`,
        { input: { name: name.trim(), scopes, tenant: tenant.id } },
      );
      setSecret({ name: createApiKey.apiKey.name, value: createApiKey.secret });
      setName('');
      keys.reload();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (key: Key) => {
    setRevoking(undefined);
    setError(undefined);
    try {
      await graphql(apiKey, 'mutation ConsoleRevokeKey($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }', { id: key.id });
      keys.reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

  const own = keys.data?.apiKeys.edges.map((edge) => edge.node) ?? [];
  return (
    <section class="card" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <ErrorMessage text={keys.error} />
      <table class="keys">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">Scopes</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {own.map((key) => (
            <tr key={key.id} class={key.revokedAt ? 'revoked' : ''}>
              <td>{key.name}</td>
              <td>
                <code>{key.prefix}</code>
              </td>
              <td class="scope-list">{key.scopes.map(scopeName).join(', ')}</td>
              <td>{key.lastUsedAt ? new Date(key.lastUsedAt).toLocaleString() : 'not recorded yet'}</td>
              <td>
                {key.revokedAt ? (
                  <span class="muted">revoked {new Date(key.revokedAt).toLocaleDateString()}</span>
                ) : (
                  <button type="button" class="danger" onClick={() => setRevoking(key)} aria-label={`Revoke ${key.name}`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {keys.data && own.length === 0 && <p class="muted">This tenant has no API key.</p>}
      {own.length > 0 && (
        <p class="muted">
          The gateway writes keys' uses in batches (API_KEY_LAST_USED_FLUSH_MS, 30 s by default): a key's latest calls can take that long to show.
        </p>
      )}
      {keys.data?.apiKeys.pageInfo.hasNextPage && <p class="muted">The newest 100 keys of {tenant.slug} are shown.</p>}
      {secret && (
        <div class="secret" role="status">
          <p>
            The secret of <strong>{secret.name}</strong>, shown this once: store it now.
          </p>
          <output class="secret-value">{secret.value}</output>
          <div class="actions">
            <button type="button" onClick={() => void navigator.clipboard?.writeText(secret.value)}>
              Copy
            </button>
            <button type="button" onClick={() => setSecret(undefined)}>
              I have stored it
            </button>
          </div>
        </div>
      )}
      <form class="new-key" onSubmit={create}>
        <h3>New key for {tenant.slug}</h3>
        <label for="key-name">Name</label>
        <input id="key-name" required maxLength={100} value={name} onInput={(event) => setName(event.currentTarget.value)} />
        <fieldset>
          <legend>Scopes</legend>
          {offered.map((scope) => (
            <label key={scope} class="check">
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(event) => setScopes(event.currentTarget.checked ? [...scopes, scope] : scopes.filter((held) => held !== scope))}
              />
              {scopeName(scope)}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="primary" disabled={busy || scopes.length === 0}>
          Create key
        </button>
      </form>
      <ErrorMessage text={error} />
      {revoking && (
        <Confirm title="Revoke this key?" action={`Revoke ${revoking.name}`} onConfirm={() => void revoke(revoking)} onCancel={() => setRevoking(undefined)}>
          <p>
            <strong>{revoking.name}</strong> (<code>{revoking.prefix}</code>) stops working at once for every caller using it. This cannot be undone.
          </p>
        </Confirm>
      )}
    </section>
  );
}
