import { writeSync } from 'node:fs';

/**
 * Log lines to a file descriptor (stderr), batched: the lines of one turn of the event loop go
 * out in one synchronous write at its end, so a busy gateway makes one system call for many
 * request lines and none waits on a thread. At process exit what is queued is written at once.
 *
 * Hand-written rather than pino's asynchronous destination (sonic-boom 4): its exit flush retries
 * a failed write forever, so a gateway whose log reader had gone (EPIPE) never finished exiting.
 * Here a write error other than a full pipe ends logging for the process; a full pipe (EAGAIN)
 * keeps the lines queued for the next turn, and past `maxQueuedBytes` (a reader stuck) lines are
 * dropped and counted rather than the gateway's memory growing.
 */
export class LogStream {
  private queued: string[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private broken = false;
  /** Lines dropped because the queue was full or the descriptor had failed. */
  dropped = 0;

  constructor(
    private readonly fd: number,
    private readonly maxQueuedBytes = 16 * 2 ** 20,
  ) {
    process.once('exit', () => this.flush(true));
  }

  write(line: string): boolean {
    if (this.broken || this.queuedBytes + line.length > this.maxQueuedBytes) {
      this.dropped++;
      return true;
    }
    this.queued.push(line);
    this.queuedBytes += line.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
    return true;
  }

  /**
   * Writes what is queued now; what a full pipe does not take waits for the next turn, or, at
   * exit (`blocking`), is retried for up to a second.
   */
  flush(blocking = false): void {
    if (!this.queued.length || this.broken) return;
    let pending = Buffer.from(this.queued.join(''));
    this.queued = [];
    this.queuedBytes = 0;
    for (let waited = 0; pending.length; ) {
      try {
        pending = pending.subarray(writeSync(this.fd, pending));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') {
          // EPIPE (the reader left), EBADF, ENOSPC: no line can be written any more; count them.
          this.broken = true;
          this.dropped += pending.toString().split('\n').length - 1;
          return;
        }
        if (blocking && waited < 1_000) {
          Atomics.wait(pause, 0, 0, 10);
          waited += 10;
          continue;
        }
        if (blocking) {
          this.dropped += pending.toString().split('\n').length - 1;
          return;
        }
        this.queued.unshift(pending.toString());
        this.queuedBytes += pending.length;
        this.later();
        return;
      }
    }
  }

  private later(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.flush();
    }, 10).unref();
  }
}

/** Something to wait on synchronously at exit, when the event loop is gone. */
const pause = new Int32Array(new SharedArrayBuffer(4));
