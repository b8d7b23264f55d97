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
type Progress = { id: string; state: string; done: number; total: number; finished: boolean; error: string | null };

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
        await graphql<{ jobProgress: Progress }>(apiKey, 'query ConsoleJob($id: ID!) { jobProgress(id: $id) { id state done total finished error } }', {
          id: job,
        })
      ).jobProgress,
    (progress) => !progress.finished,
  );

const unfinished = (backup: Backup | undefined) => backup?.status === 'PENDING' || backup?.status === 'RUNNING';

/**
 * A backup a job writes (the tenant's databases hold rows), read each second until it is written or
 * failed: `tenantBackups` has its status, and the reason it failed.
 */
const useBackupToItsEnd = (apiKey: string, tenant: string, id: string | undefined) =>
  usePoll(
    apiKey,
    id,
    async (backup) => {
      const { tenantBackups } = await graphql<{ tenantBackups: (Backup & { failureReason: string | null })[] }>(
        apiKey,
        `query ConsoleBackupWritten($tenant: ID!) { tenantBackups(tenant: $tenant) { ${backupFields} failureReason } }`,
        { tenant },
      );
      const found = tenantBackups.find((candidate) => candidate.id === backup);
      if (!found) throw new Error('The backup is no longer listed.');
      return found;
    },
    unfinished,
  );

/** The tenant's backups, a new one on demand (followed to its end when a job writes it), and a restore that names what it replaces and shows its job to its end. */
export function BackupsPanel({
  apiKey,
  tenant,
  canWrite,
  onRestoring,
  onRestored,
}: {
  apiKey: string;
  tenant: TenantSummary;
  canWrite: boolean;
  /** A restore job was recorded: the tenant is RESTORING until it ends. */
  onRestoring: () => void;
  onRestored: () => void;
}) {
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
  const [writing, setWriting] = useState<string>();
  const written = useBackupToItsEnd(apiKey, tenant.id, writing);
  useEffect(() => {
    const backup = written.value;
    if (!backup || unfinished(backup)) return;
    setWriting(undefined);
    if (backup.status === 'FAILED') {
      setNotice(undefined);
      setError(`The backup of ${when(backup.createdAt)} failed: ${backup.failureReason ?? 'no reason given'}`);
    } else setNotice(`Backup of ${when(backup.createdAt)} taken (${backup.status.toLowerCase()}).`);
    backups.reload();
  }, [written.value]);

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
      if (unfinished(backupTenant)) {
        // The tenant's databases hold rows: a job writes the file; the panel follows it to its end.
        setNotice(`Backup of ${when(backupTenant.createdAt)} started: a job copies ${tenant.slug}'s databases.`);
        setWriting(backupTenant.id);
      } else setNotice(`Backup of ${when(backupTenant.createdAt)} taken (${backupTenant.status.toLowerCase()}).`);
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
      if (rollbackTenant.job) {
        setJobId(rollbackTenant.job.id);
        onRestoring();
      } else {
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
  /** A restore job or a backup job under way: another restore would be refused (the tenant is restoring), so none is offered. */
  const working = (jobId !== undefined && !progress?.finished && !job.error) || (writing !== undefined && !written.error);
  const list = backups.data?.tenantBackups;
  return (
    <section class="card" aria-labelledby="backups-title">
      <div class="row">
        <h2 id="backups-title">Backups</h2>
        {canWrite && (
          <button type="button" onClick={() => void backUp()} disabled={busy || working}>
            Back up now
          </button>
        )}
      </div>
      <ErrorMessage text={backups.error} />
      <ErrorMessage text={error} />
      <ErrorMessage text={written.error} />
      <Notice text={notice} />
      {jobId && (
        <div class="job" role="status" aria-live="polite">
          <label for="restore-progress">
            {/* A backup job's phase is its state in other words (PENDING, RUNNING, COMPLETED): the state alone says it. */}
            Restore {progress ? progress.state.toLowerCase() : 'queued'}
          </label>
          {/* Nothing done yet is not nothing happening: the bar moves (indeterminate) until a step is done. */}
          {progress?.done ? <progress id="restore-progress" max={progress.total || 1} value={progress.done} /> : <progress id="restore-progress" />}
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
                      disabled={busy || working}
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
