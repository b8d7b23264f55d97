import { useEffect, useState } from 'preact/hooks';
import { graphql } from './api.js';
import { Confirm } from './confirm.js';
import { ErrorMessage, Notice } from './messages.js';
import { messageOf, useLoad } from './use-load.js';
import { usePoll } from './use-poll.js';

type Deployment = {
  id: string;
  blueprint: string;
  version: number;
  status: string;
  tenantsTotal: number;
  tenantsCompleted: number;
  tenantsFailed: number;
  createdAt: string;
  completedAt: string | null;
  targets: { tenant: { slug: string }; status: string; durationMs: number | null; error: string | null }[];
};
type Deployable = { blueprint: string; version: number; pending: number; tenants: number };

const deploymentFields =
  'id blueprint version status tenantsTotal tenantsCompleted tenantsFailed createdAt completedAt targets { tenant { slug } status durationMs error }';
const running = (deployment: Deployment) => deployment.status === 'PENDING' || deployment.status === 'IN_PROGRESS';
const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** `schemaRollout(id)` each second while the deployment runs. */
const useDeployment = (apiKey: string, id: string | undefined) =>
  usePoll(
    apiKey,
    id,
    async (deployment) =>
      (
        await graphql<{ schemaRollout: Deployment }>(apiKey, `query ConsoleDeployment($id: ID!) { schemaRollout(id: $id) { ${deploymentFields} } }`, {
          id: deployment,
        })
      ).schemaRollout,
    running,
  );

/** Each tenant database a deployment reached: done, failed (with PostgreSQL's message) or still to do. */
function Progress({ deployment, live }: { deployment: Deployment; live?: boolean }) {
  const done = deployment.tenantsCompleted + deployment.tenantsFailed;
  const id = `deployment-${deployment.id}`;
  return (
    <div class="job" {...(live ? { role: 'status', 'aria-live': 'polite' } : {})}>
      <label for={id}>
        <code>{deployment.blueprint}</code> version {deployment.version}:{' '}
        <span class={`rollout-${deployment.status.toLowerCase()}`}>{deployment.status.toLowerCase().replace('_', ' ')}</span>
      </label>
      <progress id={id} max={deployment.tenantsTotal || 1} value={deployment.tenantsTotal ? done : 1} />
      <span>
        {deployment.tenantsTotal === 0 ? 'no tenant database then' : `${done} of ${plural(deployment.tenantsTotal, 'tenant', 'tenants')}`}
        {deployment.tenantsFailed > 0 && `, ${deployment.tenantsFailed} failed`}
      </span>
      {deployment.targets.length > 0 && (
        <ul class="targets">
          {deployment.targets.map((target) => (
            <li key={target.tenant.slug} class={`target-${target.status.toLowerCase()}`}>
              <code>{target.tenant.slug}</code> {target.status.toLowerCase()}
              {target.durationMs != null && <span class="muted"> in {target.durationMs} ms</span>}
              {target.error && <span class="error-text"> · {target.error}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The project's deployments, newest first, and a new one (after a confirmation naming what it applies where) followed to its end. */
export function DeploymentsPanel({ apiKey, canDeploy, onDeployed }: { apiKey: string; canDeploy: boolean; onDeployed: () => void }) {
  const list = useLoad(
    () => graphql<{ schemaRollouts: Deployment[] }>(apiKey, `query ConsoleDeployments { schemaRollouts { ${deploymentFields} } }`),
    [apiKey],
  );
  const [round, setRound] = useState(0);
  const deployable = useLoad(
    () =>
      canDeploy
        ? graphql<{
            workspaces: { blueprintName: string | null; version: number | null; undeployedChanges: number | null }[];
            blueprints: { name: string; tenantCount: number }[];
          }>(apiKey, 'query ConsoleDeployable { workspaces { blueprintName version undeployedChanges } blueprints { name tenantCount } }').then(
            ({ workspaces, blueprints }) =>
              workspaces.flatMap((workspace): Deployable[] =>
                workspace.blueprintName && workspace.undeployedChanges
                  ? [
                      {
                        blueprint: workspace.blueprintName,
                        version: (workspace.version ?? 0) + 1,
                        pending: workspace.undeployedChanges,
                        tenants: blueprints.find((blueprint) => blueprint.name === workspace.blueprintName)?.tenantCount ?? 0,
                      },
                    ]
                  : [],
              ),
          )
        : Promise.resolve([]),
    [apiKey, canDeploy, round],
  );
  const [chosen, setChosen] = useState('');
  const [asking, setAsking] = useState<Deployable>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [watching, setWatching] = useState<string>();
  const watched = useDeployment(apiKey, watching);
  const finished = watched.value && !running(watched.value);
  useEffect(() => {
    if (!finished) return;
    list.reload();
    setRound((value) => value + 1);
    onDeployed();
  }, [finished]);

  const options = deployable.data ?? [];
  const selected = options.find((option) => option.blueprint === chosen) ?? options[0];
  const deploy = async (target: Deployable) => {
    setAsking(undefined);
    setBusy(true);
    setError(undefined);
    try {
      const { deployBlueprint } = await graphql<{ deployBlueprint: { id: string } }>(
        apiKey,
        'mutation ConsoleDeploy($input: DeployBlueprintInput!) { deployBlueprint(input: $input) { id } }',
        { input: { blueprintName: target.blueprint } },
      );
      setWatching(deployBlueprint.id);
      list.reload();
    } catch (failure) {
      setError(messageOf(failure));
      // Refused (most often: someone deployed first): what the page shows is out of date.
      list.reload();
      setRound((value) => value + 1);
      onDeployed();
    } finally {
      setBusy(false);
    }
  };

  const deployments = list.data?.schemaRollouts;
  return (
    <section class="card" aria-labelledby="deployments-title">
      <h2 id="deployments-title">Deployments</h2>
      <ErrorMessage text={list.error} />
      <ErrorMessage text={deployable.error} />
      {canDeploy && selected && (
        <form
          class="deploy"
          onSubmit={(event) => {
            event.preventDefault();
            setAsking(selected);
          }}
        >
          <label for="deploy-blueprint">Blueprint with undeployed changes</label>
          <select id="deploy-blueprint" value={selected.blueprint} onChange={(event) => setChosen(event.currentTarget.value)}>
            {options.map((option) => (
              <option key={option.blueprint} value={option.blueprint}>
                {option.blueprint} ({plural(option.pending, 'change', 'changes')})
              </option>
            ))}
          </select>
          <button type="submit" class="primary" disabled={busy || (watched.value !== undefined && !finished)}>
            Deploy…
          </button>
        </form>
      )}
      {canDeploy && deployable.data?.length === 0 && <p class="muted">Every blueprint is deployed: nothing waits in a workspace.</p>}
      <ErrorMessage text={error} />
      <ErrorMessage text={watched.error} />
      {watched.value && (
        <>
          <time class="muted" dateTime={watched.value.createdAt}>
            {new Date(watched.value.createdAt).toLocaleString()}
          </time>
          <Progress deployment={watched.value} live />
          {finished && (
            <Notice
              text={`Version ${watched.value.version} of ${watched.value.blueprint} deployed: ${watched.value.tenantsCompleted} of ${plural(watched.value.tenantsTotal, 'tenant', 'tenants')} at it${watched.value.tenantsFailed ? `, ${watched.value.tenantsFailed} failed` : ''}.`}
            />
          )}
        </>
      )}
      {!deployments && !list.error && <p aria-live="polite">Loading deployments…</p>}
      {deployments?.length === 0 && <p class="muted">No deployment yet.</p>}
      {deployments && deployments.length > 0 && (
        <ol class="deployments" aria-label="Earlier deployments">
          {deployments
            .filter((deployment) => deployment.id !== watching)
            .map((deployment) => (
              <li key={deployment.id}>
                <time dateTime={deployment.createdAt}>{new Date(deployment.createdAt).toLocaleString()}</time>
                <Progress deployment={deployment} />
              </li>
            ))}
        </ol>
      )}
      {asking && (
        <Confirm
          title={`Deploy ${asking.blueprint}?`}
          action={`Deploy version ${asking.version}`}
          onConfirm={() => void deploy(asking)}
          onCancel={() => setAsking(undefined)}
        >
          <p>
            The {plural(asking.pending, 'undeployed change', 'undeployed changes')} of <strong>{asking.blueprint}</strong>{' '}
            {asking.pending === 1 ? 'becomes' : 'become'} version <strong>{asking.version}</strong> and {asking.pending === 1 ? 'is' : 'are'} applied to the
            databases of {plural(asking.tenants, 'tenant', 'tenants')}, each in its own transaction. A deployed version cannot be taken back: undoing it takes
            another change and another deployment.
          </p>
        </Confirm>
      )}
    </section>
  );
}
