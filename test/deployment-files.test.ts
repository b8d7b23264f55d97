import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { environmentSchema } from '../src/env.js';

// The deployment files (Dockerfile, compose.yaml, .env.example; docs/deployment.md) are not
// built or run by the suite: this keeps what can be read from them true to the gateway.
const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
const gatewayVariables = new Set(Object.keys(environmentSchema.shape));
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): { name: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [name = '', ...rest] = line.split(/\s+/);
      return { name: name.toUpperCase(), args: rest.join(' ') };
    });
}

describe('Dockerfile', () => {
  const all = instructions(read('Dockerfile'));
  const stages = all.filter((instruction) => instruction.name === 'FROM');
  const lastFrom = all.lastIndexOf(stages.at(-1)!);
  const runtime = all.slice(lastFrom);

  it('is multi-stage, the runtime on the Node 20 bookworm image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(all.find((instruction) => instruction.name === 'ARG' && instruction.args.startsWith('NODE_IMAGE='))?.args).toBe('NODE_IMAGE=node:20-bookworm-slim');
    expect(stages.at(-1)!.args).toMatch(/^\$\{NODE_IMAGE\}/);
  });

  it('builds with npm ci and the build script, and installs production dependencies alone for the runtime', () => {
    const runs = all.filter((instruction) => instruction.name === 'RUN').map((instruction) => instruction.args);
    expect(runs.some((run) => /npm ci\b/.test(run) && !run.includes('--omit=dev'))).toBe(true);
    expect(runs).toContain('npm run build');
    expect(runs.some((run) => /npm ci\b.*--omit=dev/.test(run))).toBe(true);
    // The runtime stage installs nothing from npm itself: it copies the production-only install.
    expect(runtime.some((instruction) => instruction.name === 'RUN' && instruction.args.includes('npm ci'))).toBe(false);
    expect(runtime.some((instruction) => instruction.name === 'COPY' && /--from=prod-deps .*node_modules/.test(instruction.args))).toBe(true);
  });

  it('ships what the start reads: dist, package.json and the migrations', () => {
    const copies = runtime.filter((instruction) => instruction.name === 'COPY').map((instruction) => instruction.args);
    expect(copies.some((copy) => copy.includes('/app/dist'))).toBe(true);
    expect(copies.some((copy) => copy.includes('package.json'))).toBe(true);
    expect(copies.some((copy) => copy.includes('prisma/schema.prisma'))).toBe(true);
    expect(copies.some((copy) => copy.includes('prisma/migrations'))).toBe(true);
  });

  it('runs the production start as a user other than root, in production mode', () => {
    const users = runtime.filter((instruction) => instruction.name === 'USER');
    expect(users.at(-1)?.args).toBeDefined();
    expect(users.at(-1)?.args).not.toMatch(/^(root|0)(:|$)/);
    expect(runtime.find((instruction) => instruction.name === 'ENV' && instruction.args.includes('NODE_ENV='))?.args).toContain('NODE_ENV=production');
    const cmd = JSON.parse(runtime.find((instruction) => instruction.name === 'CMD')!.args) as string[];
    // package.json's start:prod, without npm in between.
    expect(`exec ${cmd.join(' ')}`).toBe(packageJson.scripts['start:prod']);
  });

  it('checks its health on /readyz and names the commit for /version', () => {
    const healthcheck = runtime.find((instruction) => instruction.name === 'HEALTHCHECK')!.args;
    expect(healthcheck).toContain('/readyz');
    expect(healthcheck).toContain('process.env.PORT');
    expect(runtime.some((instruction) => instruction.name === 'ARG' && instruction.args === 'GATEWAY_COMMIT')).toBe(true);
    expect(runtime.some((instruction) => instruction.name === 'ENV' && instruction.args === `GATEWAY_COMMIT=\${GATEWAY_COMMIT}`)).toBe(true);
  });

  it('sets gateway variables only, and exposes the ports it sets', () => {
    const env = runtime.filter((instruction) => instruction.name === 'ENV').flatMap((instruction) => instruction.args.split(/\s+/));
    for (const assignment of env) expect(gatewayVariables, assignment).toContain(assignment.split('=')[0]);
    const expose = runtime.find((instruction) => instruction.name === 'EXPOSE')!.args.split(/\s+/);
    expect(expose).toEqual(['4000', '6432']);
    expect(env).toContain('PORT=4000');
    expect(env).toContain('TENANTSDB_PROXY_PORT=6432');
  });
});

describe('compose.yaml', () => {
  type Service = {
    build?: unknown;
    image?: string;
    environment?: Record<string, string>;
    depends_on?: Record<string, { condition: string }>;
    healthcheck?: { test: unknown };
    ports?: string[];
    volumes?: string[];
  };
  const compose = parse(read('compose.yaml')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const { gateway, postgres, redis } = compose.services;

  it('runs the gateway built here beside PostgreSQL and Redis, each with a healthcheck', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'postgres', 'redis']);
    expect(gateway!.build).toBeDefined();
    expect(postgres!.image).toMatch(/^postgres:15\b/);
    expect(redis!.image).toMatch(/^redis:7\b/);
    expect(postgres!.healthcheck).toBeDefined();
    expect(redis!.healthcheck).toBeDefined();
    expect(gateway!.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
  });

  it('gives the gateway PostgreSQL, Redis and the keys, under the names the gateway reads', () => {
    const environment = gateway!.environment!;
    for (const name of Object.keys(environment)) expect(gatewayVariables, name).toContain(name);
    expect(environment.DATABASE_URL).toMatch(/^postgresql:\/\/gateway:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/gateway$/);
    expect(environment.REDIS_URL).toBe('redis://redis:6379');
    expect(environment.GATEWAY_ADMIN_KEY).toMatch(/^\$\{GATEWAY_ADMIN_KEY:\?/);
    expect(environment.SECRETS_KEY).toMatch(/^\$\{SECRETS_KEY:\?/);
    expect(environment.TENANTSDB_PROXY_PORT).toBe('6432');
  });

  it('keeps the data in volumes, backups where BACKUP_DIR points', () => {
    expect(postgres!.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(gateway!.volumes).toContain('gateway-data:/var/lib/tenant-gateway');
    expect(gateway!.environment!.BACKUP_DIR!.startsWith('/var/lib/tenant-gateway/')).toBe(true);
    expect(Object.keys(compose.volumes).sort()).toEqual(['gateway-data', 'postgres-data']);
  });

  it('publishes the gateway on host ports that may be ranges, so replicas can be scaled', () => {
    expect(gateway!.ports).toEqual([`\${GATEWAY_HTTP_PORTS:-4000}:4000`, `\${GATEWAY_PROXY_PORTS:-6432}:6432`]);
    expect(postgres!.ports).toBeUndefined();
    expect(redis!.ports).toBeUndefined();
  });
});

describe('.env.example', () => {
  const names = read('.env.example')
    .split('\n')
    .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
    .map((line) => line.split('=')[0]!);
  const interpolated = new Set([...read('compose.yaml').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]!));

  it('names only variables compose.yaml reads', () => {
    for (const name of names) expect(interpolated, name).toContain(name);
  });

  it('names every variable compose.yaml reads, and what reaches the gateway is a gateway variable', () => {
    for (const name of interpolated) expect(names, name).toContain(name);
    const composeOnly = names.filter((name) => !gatewayVariables.has(name)).sort();
    expect(composeOnly).toEqual(['GATEWAY_HTTP_PORTS', 'GATEWAY_IMAGE_TAG', 'GATEWAY_PROXY_PORTS', 'POSTGRES_PASSWORD']);
  });

  it('holds no keys', () => {
    for (const line of read('.env.example').split('\n'))
      if (/^(POSTGRES_PASSWORD|GATEWAY_ADMIN_KEY|SECRETS_KEY|SECRETS_KEY_PREVIOUS|METRICS_TOKEN)=/.test(line)) expect(line).toMatch(/=$/);
  });
});
