import { graphql } from './api.js';
import { ErrorMessage } from './messages.js';
import { useLoad } from './use-load.js';

type Blueprint = { name: string; databaseType: string; workspaceName: string; currentVersion: number; tenantCount: number };
type Version = { number: number; ddlCount: number; deployedAt: string | null; statements: string[] };

/** One blueprint's versions, newest first, each with the DDL it applies. */
function Versions({ apiKey, blueprint }: { apiKey: string; blueprint: string }) {
  const loaded = useLoad(
    () =>
      graphql<{ blueprintVersions: Version[] }>(
        apiKey,
        'query ConsoleBlueprintVersions($name: String!) { blueprintVersions(name: $name) { number ddlCount deployedAt statements } }',
        { name: blueprint },
      ),
    [apiKey, blueprint],
  );
  const versions = loaded.data?.blueprintVersions;
  if (loaded.error) return <ErrorMessage text={loaded.error} />;
  if (!versions) return <p aria-live="polite">Loading versions…</p>;
  if (versions.length === 0) return <p class="muted">No version yet: the first deployment makes version 1.</p>;
  return (
    <ol class="versions" reversed>
      {versions.map((version) => (
        <li key={version.number}>
          <strong>Version {version.number}</strong>{' '}
          <span class="muted">
            {version.ddlCount} {version.ddlCount === 1 ? 'statement' : 'statements'}
            {version.deployedAt && (
              <>
                , deployed <time dateTime={version.deployedAt}>{new Date(version.deployedAt).toLocaleString()}</time>
              </>
            )}
          </span>
          <pre class="ddl">{version.statements.join(';\n')}</pre>
        </li>
      ))}
    </ol>
  );
}

/** The project's blueprints (tenant-mode workspaces' schemas), each opening onto its versions. */
export function BlueprintsPanel({ apiKey }: { apiKey: string }) {
  const loaded = useLoad(
    () => graphql<{ blueprints: Blueprint[] }>(apiKey, 'query ConsoleBlueprints { blueprints { name databaseType workspaceName currentVersion tenantCount } }'),
    [apiKey],
  );
  const blueprints = loaded.data?.blueprints;
  return (
    <section class="card" aria-labelledby="blueprints-title">
      <h2 id="blueprints-title">Blueprints</h2>
      <ErrorMessage text={loaded.error} />
      {!blueprints && !loaded.error && <p aria-live="polite">Loading blueprints…</p>}
      {blueprints?.length === 0 && <p class="muted">No blueprint yet: a workspace in tenant mode makes one.</p>}
      {blueprints?.map((blueprint) => (
        <details key={blueprint.name} class="blueprint">
          <summary>
            <code>{blueprint.name}</code>{' '}
            <span class="muted">
              version {blueprint.currentVersion} · {blueprint.tenantCount} {blueprint.tenantCount === 1 ? 'tenant' : 'tenants'} · workspace{' '}
              {blueprint.workspaceName} · {blueprint.databaseType}
            </span>
          </summary>
          <Versions apiKey={apiKey} blueprint={blueprint.name} />
        </details>
      ))}
    </section>
  );
}
