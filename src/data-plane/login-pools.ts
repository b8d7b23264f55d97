import pg from 'pg';
import { DataPlaneBusyError } from './data-plane.js';

/** A PostgreSQL login: its connection settings, and the key its connections are pooled under. */
export type Login = { key: string; config: pg.ClientConfig };

export type PoolSettings = {
  /** Connections open at most, across every login. */
  max: number;
  /** An idle connection is closed after this long. */
  idleMs: number;
  /** How long an acquire waits for a connection to come free before DataPlaneBusyError. */
  acquireTimeoutMs: number;
};

type Idle = { client: pg.Client; key: string; timer: NodeJS.Timeout };

/**
 * Connections pooled per login (each tenant and workspace has its own), bounded in total: when
 * every place is taken, the least recently used idle connection of any login is closed for a new
 * one; when none is idle, callers wait in order. A released connection is reset (`DISCARD ALL`)
 * before another transaction of its login gets it, so nothing a session set outlives it.
 *
 * Hand-written: pg.Pool bounds one login's connections, and no pool library bounds many logins
 * together with least-recently-used eviction across them.
 */
export class LoginPools {
  private readonly idle: Idle[] = [];
  private open = 0;
  private readonly waiters: (() => void)[] = [];
  /** Logins whose connections must not be reused (a dropped role, a changed password). */
  private readonly retired = new Map<string, number>();
  private readonly generation = new WeakMap<pg.Client, number>();
  private closed = false;

  constructor(private readonly settings: PoolSettings) {}

  get size(): { open: number; max: number } {
    return { open: this.open, max: this.settings.max };
  }

  async acquire(login: Login): Promise<pg.Client> {
    const deadline = Date.now() + this.settings.acquireTimeoutMs;
    for (;;) {
      if (this.closed) throw new Error('the data plane is closed');
      const index = this.idle.findLastIndex((entry) => entry.key === login.key);
      if (index !== -1) {
        const [entry] = this.idle.splice(index, 1);
        clearTimeout(entry!.timer);
        return entry!.client;
      }
      if (this.open < this.settings.max) return this.connect(login);
      const oldest = this.idle.shift();
      if (oldest) {
        clearTimeout(oldest.timer);
        this.destroy(oldest.client);
        continue;
      }
      await this.waitForPlace(deadline);
    }
  }

  /**
   * Gives a connection back: reset and kept when `reusable` (its transaction ended cleanly),
   * otherwise cut at once (its socket destroyed: a backend still busy is not waited for).
   */
  release(key: string, client: pg.Client, reusable: boolean): void {
    if (!reusable) {
      this.destroy(client, true);
      return;
    }
    if (this.closed || (this.generation.get(client) ?? 0) < (this.retired.get(key) ?? 0)) {
      this.destroy(client);
      return;
    }
    client.query('DISCARD ALL').then(
      () => {
        if (this.closed || (this.generation.get(client) ?? 0) < (this.retired.get(key) ?? 0)) return this.destroy(client);
        const entry: Idle = { client, key, timer: setTimeout(() => this.expire(entry), this.settings.idleMs) };
        entry.timer.unref();
        this.idle.push(entry);
        this.wake();
      },
      () => this.destroy(client),
    );
  }

  /** Closes the login's idle connections; its busy ones are closed when released. */
  retire(key: string): void {
    this.retired.set(key, (this.retired.get(key) ?? 0) + 1);
    for (const entry of this.idle.filter((candidate) => candidate.key === key)) this.expire(entry);
  }

  async close(): Promise<void> {
    this.closed = true;
    const idle = this.idle.splice(0);
    for (const entry of idle) clearTimeout(entry.timer);
    await Promise.all(idle.map((entry) => entry.client.end().catch(() => {})));
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async connect(login: Login): Promise<pg.Client> {
    this.open++;
    const client = new pg.Client(login.config);
    // A connection the server ends while idle is an 'error' event: handled here, the client is
    // found broken at its next use and closed.
    client.on('error', () => {});
    this.generation.set(client, this.retired.get(login.key) ?? 0);
    try {
      await client.connect();
      return client;
    } catch (error) {
      this.destroy(client);
      throw error;
    }
  }

  private expire(entry: Idle): void {
    const index = this.idle.indexOf(entry);
    if (index === -1) return;
    this.idle.splice(index, 1);
    clearTimeout(entry.timer);
    this.destroy(entry.client);
  }

  private destroy(client: pg.Client, cut = false): void {
    this.open--;
    if (cut) (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    else client.end().catch(() => {});
    this.wake();
  }

  private wake(): void {
    this.waiters.shift()?.();
  }

  private waitForPlace(deadline: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          const index = this.waiters.indexOf(wake);
          if (index !== -1) this.waiters.splice(index, 1);
          reject(new DataPlaneBusyError(this.settings.max));
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiters.push(wake);
    });
  }
}
