import { useState } from 'preact/hooks';
import { graphql } from './api.js';
import { ErrorMessage, Notice } from './messages.js';
import type { DatabaseTenant } from './project-page.js';
import { messageOf } from './use-load.js';

const mask = '••••••••';
/** The gateway's connection string names the user only (psql then asks); the password goes after it. */
const withPassword = (connection: string, password: string) => connection.replace('@', `:${password}@`);

/**
 * The tenants' databases and how to connect to them. The password is masked until asked for: it is
 * fetched then (a POST body's answer, never a URL), kept in this panel's memory only and forgotten
 * on Hide or on leaving the page.
 */
export function DatabasesPanel({ apiKey, tenants, canReveal }: { apiKey: string; tenants: DatabaseTenant[]; canReveal: boolean }) {
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const withDatabases = tenants.filter((tenant) => tenant.databases.length > 0);

  const password = async (tenant: DatabaseTenant) => {
    const { tenant: answer } = await graphql<{ tenant: { databasePassword: string | null } }>(
      apiKey,
      'query ConsoleDatabasePassword($id: ID!) { tenant(id: $id) { databasePassword } }',
      { id: tenant.id },
    );
    if (!answer.databasePassword) throw new Error(`The gateway shows the password of ${tenant.slug} only to its project's own keys with tenants:write.`);
    return answer.databasePassword;
  };
  const reveal = async (tenant: DatabaseTenant) => {
    setError(undefined);
    setNotice(undefined);
    try {
      const value = await password(tenant);
      setRevealed((shown) => ({ ...shown, [tenant.id]: value }));
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  const hide = (tenant: DatabaseTenant) =>
    setRevealed((shown) => {
      const { [tenant.id]: _hidden, ...rest } = shown;
      return rest;
    });
  const copy = async (tenant: DatabaseTenant, what: string, text: (password: string) => string) => {
    setError(undefined);
    setNotice(undefined);
    try {
      await navigator.clipboard.writeText(text(revealed[tenant.id] ?? (await password(tenant))));
      setNotice(`${what} is on the clipboard.`);
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

  return (
    <section class="card" aria-labelledby="databases-title">
      <h2 id="databases-title">Tenant databases</h2>
      <ErrorMessage text={error} />
      <Notice text={notice} />
      {withDatabases.length === 0 && <p class="muted">No tenant database yet: a tenant created with a blueprint gets one.</p>}
      {withDatabases.map((tenant) => (
        <div key={tenant.id} class="database-tenant">
          <h3>
            {tenant.name} <code>{tenant.slug}</code> <span class={`state state-${tenant.state.toLowerCase()}`}>{tenant.state.toLowerCase()}</span>
          </h3>
          <table class="databases">
            <thead>
              <tr>
                <th scope="col">Database</th>
                <th scope="col">Blueprint</th>
                <th scope="col">Isolation</th>
                <th scope="col">Region</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {tenant.databases.map((database) => (
                <tr key={database.databaseName}>
                  <td>
                    <code>{database.databaseName}</code>
                  </td>
                  <td>{database.blueprint}</td>
                  <td>{database.isolation.toLowerCase()}</td>
                  <td>{database.region}</td>
                  <td>{database.status.toLowerCase()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <dl class="connection">
            <div>
              <dt>User</dt>
              <dd>
                <code>{tenant.databaseUser}</code>
              </dd>
            </div>
            <div>
              <dt>
                <label for={`password-${tenant.id}`}>
                  Password<span class="visually-hidden"> of {tenant.slug}</span>
                </label>
              </dt>
              <dd>
                <output id={`password-${tenant.id}`} class="password">
                  {revealed[tenant.id] ?? mask}
                </output>
                {canReveal &&
                  (revealed[tenant.id] ? (
                    <button type="button" onClick={() => hide(tenant)} aria-label={`Hide the password of ${tenant.slug}`}>
                      Hide
                    </button>
                  ) : (
                    <button type="button" onClick={() => void reveal(tenant)} aria-label={`Reveal the password of ${tenant.slug}`}>
                      Reveal
                    </button>
                  ))}
                {canReveal && (
                  <button
                    type="button"
                    onClick={() => void copy(tenant, `The database password of ${tenant.slug}`, (value) => value)}
                    aria-label={`Copy the password of ${tenant.slug}`}
                  >
                    Copy
                  </button>
                )}
              </dd>
            </div>
          </dl>
          <ul class="connection-strings" aria-label={`Connection strings of ${tenant.slug}`}>
            {tenant.databases.map((database) => (
              <li key={database.databaseName}>
                <code>{withPassword(database.connectionString, revealed[tenant.id] ? encodeURIComponent(revealed[tenant.id]!) : mask)}</code>
                {canReveal && (
                  <button
                    type="button"
                    onClick={() =>
                      void copy(tenant, `The connection string of ${database.databaseName}`, (value) =>
                        withPassword(database.connectionString, encodeURIComponent(value)),
                      )
                    }
                    aria-label={`Copy the connection string of ${database.databaseName}`}
                  >
                    Copy
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      ))}
      {!canReveal && withDatabases.length > 0 && <p class="muted">Only the project's own keys with tenants:write may reveal a password.</p>}
    </section>
  );
}
