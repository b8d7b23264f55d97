import { openDatabase } from '../../src/gateway-db/client.js';
import { createJobs } from '../../src/jobs/jobs.js';
import { createLogger } from '../../src/lib/logger.js';
import { effectHandler } from './test-jobs.js';

// A process of its own running the queue with the test handler (test/jobs.test.ts kills it):
// `node --import tsx test/support/job-process.ts <DATABASE_URL> stall|finish <leaseMs>`.
const [url, mode, leaseMs] = process.argv.slice(2);
const database = openDatabase(url!);
const jobs = createJobs(database, createLogger('info'), { pollMs: 100 });
jobs.handle(effectHandler(database, mode === 'stall' ? 'stall' : 'finish', Number(leaseMs), (line) => process.stdout.write(`${line}\n`)));
// Alive until killed or told to stop, whatever the job does.
const alive = setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => {
  void jobs
    .stop()
    .then(() => database.close())
    .finally(() => {
      clearInterval(alive);
      process.exit(0);
    });
});
await jobs.start();
process.stdout.write('ready\n');
