import { useEffect, useState } from 'preact/hooks';
import { graphql } from './api.js';
import { Confirm } from './confirm.js';
import type { TenantSummary } from './tenant-page.js';
import { messageOf, useLoad } from './use-load.js';
import { usePoll } from './use-poll.js';
import { ErrorMessage, Notice } from './messages.js';

type Backup = {
  id: string;
  kind: string;
  trigger: string;
  status: string;
  createdAt: string;
  completedAt: string | null;
  sizeBytes: number | null;
  storagePath: string | null;
};
type Progress = { id: string; state: string; phase: string; done: number; total: number; finished: boolean; error: string | null };

const backupFields = 'id kind trigger status createdAt completedAt sizeBytes storagePath';
const size = (value: number | null) => (value == null ? '—' : value < 1024 ? `${value} B` : `${(value / 1024).toFixed(1)} KB`);
const when = (iso: string) => new Date(iso).toLocaleString();

/** `jobProgress(id)` each second until the job has finished. */
const useJobProgress = (apiKey: string, id: string | undefined) =>
  usePoll(
    apiKey,
    id,
    async (job) =>
      (
        await graphql<{ jobProgress: Progress }>(apiKey, 'query ConsoleJob($id: ID!) { jobProgress(id: $id) { id state phase done total finished error } }', {
          id: job,
        })
      ).jobProgress,
    (progress) => !progress.finished,
  );

/** The tenant's backups, a new one on demand, and a restore that names what it replaces and shows its job to its end. */
export function BackupsPanel({ apiKey, tenant, canWrite, onRestored }: { apiKey: string; tenant: TenantSummary; canWrite: boolean; onRestored: () => void }) {
  const backups = useLoad(
    () =>
      graphql<{ tenantBackups: Backup[] }>(apiKey, `query ConsoleBackups($tenant: ID!) { tenantBackups(tenant: $tenant) { ${backupFields} } }`, {
        tenant: tenant.id,
      }),
    [apiKey, tenant.id],
  );
  const [restoring, setRestoring] = useState<Backup>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [jobId, setJobId] = useState<string>();
  const job = useJobProgress(apiKey, jobId);
  useEffect(() => {
    if (job.value?.finished) {
      backups.reload();
      onRestored();
    }
  }, [job.value?.finished]);

  const backUp = async () => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const { backupTenant } = await graphql<{ backupTenant: Backup }>(
        apiKey,
        `mutation ConsoleBackup($tenant: ID!) { backupTenant(tenant: $tenant) { ${backupFields} } }`,
        {
          tenant: tenant.id,
        },
      );
      setNotice(`Backup of ${when(backupTenant.createdAt)} taken (${backupTenant.status.toLowerCase()}).`);
      backups.reload();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  const restore = async (backup: Backup) => {
    setRestoring(undefined);
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    setJobId(undefined);
    try {
      const { rollbackTenant } = await graphql<{ rollbackTenant: { job: { id: string } | null; safetyBackup: Backup | null } }>(
        apiKey,
        `mutation ConsoleRestore($tenant: ID!, $path: String!) { rollbackTenant(tenant: $tenant, storagePath: $path) { job { id } safetyBackup { ${backupFields} } } }`,
        { tenant: tenant.id, path: backup.storagePath },
      );
      if (rollbackTenant.job) setJobId(rollbackTenant.job.id);
      else {
        setNotice(`${tenant.slug} restored to the backup of ${when(backup.createdAt)}; its state just before is kept as a safety backup.`);
        backups.reload();
        onRestored();
      }
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  const progress = job.value;
  const list = backups.data?.tenantBackups;
  return (
    <section class="card" aria-labelledby="backups-title">
      <div class="row">
        <h2 id="backups-title">Backups</h2>
        {canWrite && (
          <button type="button" onClick={() => void backUp()} disabled={busy || (progress !== undefined && !progress.finished)}>
            Back up now
          </button>
        )}
      </div>
      <ErrorMessage text={backups.error} />
      <ErrorMessage text={error} />
      <Notice text={notice} />
      {jobId && (
        <div class="job" role="status" aria-live="polite">
          <label for="restore-progress">
            Restore {progress ? `${progress.state.toLowerCase()} (${progress.phase.toLowerCase().replaceAll('_', ' ')})` : 'queued'}
          </label>
          <progress id="restore-progress" max={progress?.total || 1} value={progress?.done ?? 0} />
          <span>
            {progress?.done ?? 0} of {progress?.total ?? '…'} steps
          </span>
          {progress?.finished && progress.state === 'SUCCEEDED' && (
            <p class="notice">{tenant.slug} restored; its state just before is kept as a safety backup.</p>
          )}
          {progress?.error && <p class="error">{progress.error}</p>}
          {job.error && <p class="error">{job.error}</p>}
        </div>
      )}
      {!list && !backups.error && <p aria-live="polite">Loading backups…</p>}
      {list?.length === 0 && <p class="muted">No backup of {tenant.slug} yet.</p>}
      {list && list.length > 0 && (
        <table class="backups">
          <thead>
            <tr>
              <th scope="col">Taken</th>
              <th scope="col">Kind</th>
              <th scope="col">Trigger</th>
              <th scope="col">Status</th>
              <th scope="col">Size</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((backup) => (
              <tr key={backup.id}>
                <td>
                  <time dateTime={backup.createdAt}>{when(backup.createdAt)}</time>
                </td>
                <td>{backup.kind.toLowerCase()}</td>
                <td>{backup.trigger.toLowerCase()}</td>
                <td>{backup.status.toLowerCase()}</td>
                <td>{size(backup.sizeBytes)}</td>
                <td>
                  {canWrite && backup.status === 'COMPLETED' && backup.storagePath && (
                    <button
                      type="button"
                      class="danger"
                      disabled={busy}
                      onClick={() => setRestoring(backup)}
                      aria-label={`Restore the backup of ${when(backup.createdAt)}`}
                    >
                      Restore
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {restoring && (
        <Confirm title="Restore this backup?" action="Restore this backup" onConfirm={() => void restore(restoring)} onCancel={() => setRestoring(undefined)}>
          <p>
            <strong>{tenant.slug}</strong> returns to its state of <strong>{when(restoring.createdAt)}</strong>: its configuration, features, secrets and
            databases as they were then. Every change since is replaced; the current state is backed up first, so this restore can itself be undone.
          </p>
        </Confirm>
      )}
    </section>
  );
}
