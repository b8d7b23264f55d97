import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export type ServerProcess = { child: ChildProcess; url: string; readonly stdout: string; readonly stderr: string; stop(): Promise<number | null> };

/** The gateway as `npm start` runs it: a real process listening on a loopback port. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const { GATEWAY_ADMIN_KEY: _key, DATABASE_URL: _url, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...inherited, NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SECRETS_KEY: randomBytes(32).toString('hex'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 60_000);
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // What the process logged before it said it was listening is read before this returns: one round
  // trip lets this side read stderr, a pipe apart from stdout's, past that line.
  await fetch(`${url}/healthz`).catch(() => undefined);
  return {
    child,
    url,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** One JSON call to a server process, with a bearer key when given. */
export async function callServer(server: ServerProcess, method: string, route: string, key?: string, body?: unknown) {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

/** Polls `check` until it holds; past `timeoutMs`, fails naming `what`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
