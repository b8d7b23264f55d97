import { diffLines } from 'diff';
import { useEffect, useState } from 'preact/hooks';
import { graphql } from './api.js';
import { Confirm } from './confirm.js';
import type { TenantSummary } from './tenant-page.js';
import { messageOf, useLoad } from './use-load.js';
import { ErrorMessage, Notice } from './messages.js';

type Revision = { version: number; principal: string; createdAt: string; updatedFields: string[]; config: Record<string, unknown> };
type History = { tenantConfigHistory: { edges: { node: Revision }[] } };

const historyQuery = `query ConsoleConfigHistory($tenant: ID!) {
  tenantConfigHistory(tenant: $tenant, first: 50) { edges { node { version principal createdAt updatedFields config } } }
}`;

/** The paths a revision changed: the first few, the rest behind a disclosure so one long revision does not stretch the table. */
function ChangedFields({ fields }: { fields: string[] }) {
  if (fields.length === 0) return <>(created)</>;
  if (fields.length <= 4) return <>{fields.join(', ')}</>;
  return (
    <details>
      <summary>
        {fields.slice(0, 3).join(', ')} and {fields.length - 3} more
      </summary>
      {fields.slice(3).join(', ')}
    </details>
  );
}

/** Keys sorted at every level, so two revisions differ only where their values do. */
const stable = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(stable)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, stable((value as Record<string, unknown>)[key])]),
        )
      : value;
const pretty = (config: unknown) => `${JSON.stringify(stable(config), null, 2)}\n`;

/**
 * The configuration as its newest revision holds it, a change (UpdateTenantConfigInput, made only
 * on the version shown), the diff of any two of the last 50 revisions, and a restore of one.
 */
export function ConfigPanel({ apiKey, tenant, canWrite }: { apiKey: string; tenant: TenantSummary; canWrite: boolean }) {
  const history = useLoad(() => graphql<History>(apiKey, historyQuery, { tenant: tenant.id }), [apiKey, tenant.id]);
  const revisions = history.data?.tenantConfigHistory.edges.map((edge) => edge.node) ?? [];
  const current = revisions[0];
  const [from, setFrom] = useState<number>();
  const [to, setTo] = useState<number>();
  const [change, setChange] = useState('{\n  "performance": { "cacheSizeMb": 2048 }\n}\n');
  const [restoring, setRestoring] = useState<Revision>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setFrom(revisions[1]?.version ?? revisions[0]?.version);
    setTo(revisions[0]?.version);
  }, [history.data]);

  const apply = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setNotice(undefined);
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(change) as Record<string, unknown>;
    } catch (failure) {
      setError(`The change is not JSON: ${messageOf(failure)}`);
      return;
    }
    try {
      const { updateTenantConfig } = await graphql<{ updateTenantConfig: { updatedFields: string[]; config: { version: number } } }>(
        apiKey,
        'mutation ConsoleUpdateConfig($tenant: ID!, $input: UpdateTenantConfigInput!) { updateTenantConfig(tenant: $tenant, input: $input) { updatedFields config { version } } }',
        { tenant: tenant.id, input: { ...input, expectedVersion: current?.version } },
      );
      setNotice(`Saved as version ${updateTenantConfig.config.version}: ${updateTenantConfig.updatedFields.join(', ') || 'nothing changed'}.`);
      history.reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  const restore = async (revision: Revision) => {
    setRestoring(undefined);
    setError(undefined);
    setNotice(undefined);
    try {
      const { restoreTenantConfigRevision } = await graphql<{ restoreTenantConfigRevision: { config: { version: number } } }>(
        apiKey,
        'mutation ConsoleRestoreConfig($tenant: ID!, $version: Int!, $expectedVersion: Int) { restoreTenantConfigRevision(tenant: $tenant, version: $version, expectedVersion: $expectedVersion) { config { version } } }',
        { tenant: tenant.id, version: revision.version, expectedVersion: current?.version },
      );
      setNotice(`Revision ${revision.version} restored as version ${restoreTenantConfigRevision.config.version}.`);
      history.reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

  const older = revisions.find((revision) => revision.version === from);
  const newer = revisions.find((revision) => revision.version === to);
  return (
    <section class="card" aria-labelledby="config-title">
      <h2 id="config-title">Configuration {current && <span class="muted">version {current.version}</span>}</h2>
      <ErrorMessage text={history.error} />
      <Notice text={notice} />
      <ErrorMessage text={error} />
      <div class="columns">
        <div>
          <h3>Current</h3>
          {current && <pre class="json current">{pretty(current.config)}</pre>}
        </div>
        {canWrite && (
          <form onSubmit={apply}>
            <h3>
              <label for="config-change">Change</label>
            </h3>
            <p class="muted" id="config-change-note">
              The sections and fields to set, as GraphQL's UpdateTenantConfigInput takes them; saved only if the configuration is still version{' '}
              {current?.version}.
            </p>
            <textarea
              id="config-change"
              rows={8}
              spellcheck={false}
              aria-describedby="config-change-note"
              value={change}
              onInput={(event) => setChange(event.currentTarget.value)}
            />
            <button type="submit" class="primary">
              Save change
            </button>
          </form>
        )}
      </div>
      <h3>Revisions</h3>
      <table class="revisions">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">When</th>
            <th scope="col">By</th>
            <th scope="col">Changed</th>
            {canWrite && (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {revisions.map((revision) => (
            <tr key={revision.version}>
              <td>{revision.version}</td>
              <td>
                <time dateTime={revision.createdAt}>{new Date(revision.createdAt).toLocaleString()}</time>
              </td>
              <td class="by">{revision.principal}</td>
              <td class="fields">
                <ChangedFields fields={revision.updatedFields} />
              </td>
              {canWrite && (
                <td>
                  {revision !== current && (
                    <button type="button" onClick={() => setRestoring(revision)} aria-label={`Restore version ${revision.version}`}>
                      Restore
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {revisions.length > 1 && (
        <div class="diff-picker">
          <h3>Compare</h3>
          <label>
            From{' '}
            <select value={from} onChange={(event) => setFrom(Number(event.currentTarget.value))}>
              {revisions.map((revision) => (
                <option key={revision.version} value={revision.version}>
                  version {revision.version}
                </option>
              ))}
            </select>
          </label>
          <label>
            to{' '}
            <select value={to} onChange={(event) => setTo(Number(event.currentTarget.value))}>
              {revisions.map((revision) => (
                <option key={revision.version} value={revision.version}>
                  version {revision.version}
                </option>
              ))}
            </select>
          </label>
          {older && newer && <Diff before={older.config} after={newer.config} />}
        </div>
      )}
      {restoring && current && (
        <Confirm
          title={`Restore version ${restoring.version}?`}
          action={`Restore version ${restoring.version}`}
          onConfirm={() => void restore(restoring)}
          onCancel={() => setRestoring(undefined)}
        >
          <p>
            The whole configuration of <strong>{tenant.slug}</strong> becomes what version {restoring.version} held, saved as version {current.version + 1}.
            Custom settings version {restoring.version} did not have are removed. Refused if someone changes it first.
          </p>
        </Confirm>
      )}
    </section>
  );
}

const context = 3;

/** The lines of an unchanged run that stay visible: a few next to each change, the rest folded into one line. */
function keep(lines: string[], first: boolean, last: boolean): string[] {
  const head = first ? [] : lines.slice(0, context);
  const tail = last ? [] : lines.slice(-context);
  if (head.length + tail.length >= lines.length) return lines;
  return [...head, `… ${lines.length - head.length - tail.length} unchanged lines`, ...tail];
}

/** Line diff of two configurations: removed and added lines, with a few unchanged ones around each change. */
function Diff({ before, after }: { before: unknown; after: unknown }) {
  const parts = diffLines(pretty(before), pretty(after));
  if (!parts.some((part) => part.added || part.removed)) return <p class="muted">The two versions are the same.</p>;
  return (
    <pre class="json diff">
      {parts.map((part, index) => {
        const lines = part.value.replace(/\n$/, '').split('\n');
        const mark = part.added ? '+ ' : part.removed ? '- ' : '  ';
        const shown = part.added || part.removed ? lines : keep(lines, index === 0, index === parts.length - 1);
        return (
          <span key={index} class={part.added ? 'added' : part.removed ? 'removed' : 'same'}>
            {shown.map((line) => (line.startsWith('… ') ? `${line}\n` : `${mark}${line}\n`)).join('')}
          </span>
        );
      })}
    </pre>
  );
}
