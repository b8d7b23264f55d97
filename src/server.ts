import './lib/wasm-tiering.js';
import './lib/heap-growth.js';
import './lib/runtime-warnings.js';
import { createServer, type IncomingMessage } from 'node:http';
import { createServerAdapter } from '@whatwg-node/server';
import { createApp } from './app.js';
import { isNewEmbeddedDirectory, openDatabase } from './gateway-db/client.js';
import { openScriptSession, readBaseline } from './gateway-db/migration-baseline.js';
import { pgliteTemplatePath, readPgliteTemplate, savePgliteTemplate } from './gateway-db/pglite-template.js';
import { bringSchemaUpToDate, prismaDir } from './gateway-db/schema-engine.js';
import { readEnvironment } from './env.js';
import { createLogger, flushLogLines } from './lib/logger.js';
import { startOrExit } from './lib/start-failure.js';
import { ensureBootstrapOperatorKey } from './modules/identity/identity.service.js';
import { startTracing } from './telemetry/start-tracing.js';

const env = await startOrExit('tenant-gateway', async () => readEnvironment());
const logger = createLogger(env.LOG_LEVEL);
// Before the database and the app: their Prisma client and plugins see the tracer (when tracing is on).
const tracing = await startOrExit('tenant-gateway', async () => startTracing(env));
if (tracing) logger.info('tracing on', { exporter: 'otlp', service: env.OTEL_SERVICE_NAME });
// A start says what it is doing and how long each step took (a fresh embedded one takes seconds).
const since = (started: number) => Math.round(performance.now() - started);
logger.info('starting: code loaded', { ms: Math.round(process.uptime() * 1000) });
const { database, templateToMake } = await startOrExit('tenant-gateway', async () => {
  const opening = performance.now();
  const template = isNewEmbeddedDirectory(env.DATABASE_URL) ? await pgliteTemplatePath(prismaDir) : undefined;
  const loadDataDir = template ? await readPgliteTemplate(template) : undefined;
  if (template) {
    logger.info(
      loadDataDir
        ? 'creating the embedded database from the copy an earlier start made'
        : 'creating the embedded database (PGlite initdb: seconds, the first time on this machine)',
      { directory: env.DATABASE_URL },
    );
  }
  const opened = openDatabase(env.DATABASE_URL, loadDataDir ? { loadDataDir } : {});
  await opened.pglite?.waitReady;
  logger.info('database open', { database: opened.kind, ms: since(opening) });
  return { database: opened, templateToMake: template && !loadDataDir ? template : undefined };
});

const migrating = performance.now();
const applied = await startOrExit('tenant-gateway', async () =>
  bringSchemaUpToDate(
    {
      adapterFactory: database.adapterFactory,
      query: (sql) => database.prisma.$queryRawUnsafe(sql),
      openScriptSession: () => openScriptSession(database),
    },
    logger.info,
  ),
);
logger.info('database ready', { database: database.kind, appliedMigrations: applied, ms: since(migrating) });

// A new embedded database holding the baseline and nothing else: kept as the next one's start (pglite-template.ts).
const baseline = templateToMake ? await readBaseline(prismaDir) : null;
if (templateToMake && database.pglite && baseline && applied.join() === baseline.migrations.map((migration) => migration.name).join()) {
  const saving = performance.now();
  await savePgliteTemplate(database.pglite, templateToMake).then(
    () => logger.info('kept a copy of the new database for the next new one', { file: templateToMake, ms: since(saving) }),
    (error: Error) => logger.warn('could not keep a copy of the new database (the next new one runs initdb)', { error: error.message }),
  );
}

if (!env.GATEWAY_ADMIN_KEY) {
  const key = await ensureBootstrapOperatorKey(database.prisma);
  if (key) {
    process.stdout.write(
      [
        '',
        'Created an operator API key. It is shown only this once:',
        '',
        `    ${key}`,
        '',
        'Send it as "Authorization: Bearer <key>". To use a key of your own choosing instead,',
        'set GATEWAY_ADMIN_KEY (at least 16 characters) in the environment.',
        '',
      ].join('\n'),
    );
  }
}

const building = performance.now();
const app = await startOrExit('tenant-gateway', async () => createApp({ env, database, logger }));
await app.ready;
logger.info('gateway built', { ms: since(building) });
const server = createServer(
  // Timeouts are checked every second, so a trickled request is cut close to its limit.
  { requestTimeout: env.REQUEST_TIMEOUT_MS, headersTimeout: env.HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
  createServerAdapter<{ req: IncomingMessage }>((request, { req }) => app.fetch(request, { clientAddress: req.socket.remoteAddress })),
);
// One address holds at most MAX_CONNECTIONS_PER_ADDRESS open connections.
const connectionsByAddress = new Map<string, number>();
server.on('connection', (socket) => {
  const address = socket.remoteAddress ?? 'unknown';
  const open = (connectionsByAddress.get(address) ?? 0) + 1;
  if (open > env.MAX_CONNECTIONS_PER_ADDRESS) {
    logger.warn('refused a connection: too many open from one address', { address, limit: env.MAX_CONNECTIONS_PER_ADDRESS });
    socket.destroy();
    return;
  }
  connectionsByAddress.set(address, open);
  socket.once('close', () => {
    const left = (connectionsByAddress.get(address) ?? 1) - 1;
    if (left > 0) connectionsByAddress.set(address, left);
    else connectionsByAddress.delete(address);
  });
});
server.listen(env.PORT, env.HOST, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const url = `http://${env.HOST === '0.0.0.0' ? 'localhost' : env.HOST}:${port}`;
  logger.info('gateway listening', { url, startedInMs: Math.round(process.uptime() * 1000) });
  flushLogLines();
  process.stdout.write(`tenant-gateway listening on ${url} (GraphiQL at ${url}/graphql)\n`);
});
if (env.TENANTSDB_PROXY === 'on') {
  app.databaseProxy.listen().then(
    ({ host, port }) => {
      logger.info('TenantsDB database proxy listening', { host, port });
      process.stdout.write(`TenantsDB database proxy on ${host}:${port} (psql "<connection_string>")\n`);
    },
    // The API serves without it: connection strings then point where nothing answers, which the log says.
    (error: NodeJS.ErrnoException) =>
      logger.error('the TenantsDB database proxy could not listen; set TENANTSDB_PROXY_PORT to a free port (or TENANTSDB_PROXY=off)', {
        port: env.TENANTSDB_PROXY_PORT,
        code: error.code,
        error,
      }),
  );
}

let stopping = false;
/**
 * Stop accepting, let requests in flight finish (up to SHUTDOWN_TIMEOUT_MS, then cut what is
 * left), then stop the workers, flush metering and close the database.
 */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info('shutting down', { signal, drainMs: env.SHUTDOWN_TIMEOUT_MS });
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => {
    logger.warn('requests still in flight at the shutdown timeout were cut', { timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
    server.closeAllConnections();
  }, env.SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  await drained;
  clearTimeout(timer);
  let code = 0;
  try {
    await app.close();
  } catch (error) {
    logger.error('stopping the workers failed', { error });
    code = 1;
  } finally {
    await database.close();
    await tracing?.stop().catch((error: unknown) => logger.warn('the last spans could not be sent', { error }));
  }
  logger.info('stopped', { signal });
  process.exit(code);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
