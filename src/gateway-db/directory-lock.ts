import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Another live process holds the data directory. */
export class DirectoryBusyError extends Error {
  constructor(
    readonly directory: string,
    readonly pid: number,
  ) {
    super(`the gateway is running on ${directory} (pid ${pid}); stop it, or set DATABASE_URL to another directory or a PostgreSQL server`);
    this.name = 'DirectoryBusyError';
  }
}

/** A process's start time (clock ticks since boot) from /proc: a pid reused by another process after a crash has another. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number, startTime: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const current = startTimeOf(pid);
  return !startTime || !current || current === startTime;
}

/**
 * PGlite's directory has one owner: two processes writing it corrupt it. The owner writes its
 * pid (and start time) to `gateway.lock` inside; a lock left by a process that is gone (killed)
 * is taken over, so a restart after a crash is never blocked.
 */
export function lockDirectory(directory: string): { release(): void; reassert(): void } {
  const file = path.join(directory, 'gateway.lock');
  const content = `${process.pid} ${startTimeOf(process.pid) ?? ''}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, content);
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        try {
          if (readFileSync(file, 'utf8') === content) unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.on('exit', release);
      // A data directory loaded from a copy (pglite-template.ts) brings the lock file of the process that made the copy: ours goes back.
      const reassert = () => {
        if (!released) writeFileSync(file, content);
      };
      return { release, reassert };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: string;
      try {
        holder = readFileSync(file, 'utf8');
      } catch (readError) {
        if ((readError as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile: try again
        throw readError;
      }
      const [pidText, startTime] = holder.trim().split(' ');
      const pid = Number(pidText);
      // This very process holding it already (a second open) is busy too; a pid another process reuses is not.
      if (holder === content) throw new DirectoryBusyError(directory, pid);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid, startTime)) throw new DirectoryBusyError(directory, pid);
      try {
        unlinkSync(file);
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
    }
  }
  throw new DirectoryBusyError(directory, Number(readFileSync(file, 'utf8').split(' ')[0]));
}
