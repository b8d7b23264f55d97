// `node --import tsx test/support/log-after-reader-left.ts`: waits until stderr's reader has gone
// (the test closes it), logs 5,000 lines, and exits. It must exit, not wait on stderr.
import { createLogger } from '../../src/lib/logger.js';

const logger = createLogger('info');
setTimeout(() => {
  for (let line = 0; line < 5_000; line++) logger.info('line after the reader left', { line, padding: 'x'.repeat(200) });
  process.exit(0);
}, 300);
