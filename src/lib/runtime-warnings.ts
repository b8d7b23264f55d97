import { createLogger, type LogLevel } from './logger.js';

// Imported first by the process entry points: Node prints warnings (a dependency's deprecation,
// the AWS SDK's Node version notice) as plain text on stderr, which would break the JSON lines
// of the log. From here on each one is a log line of its own.
const levels: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const wanted = process.env.LOG_LEVEL as LogLevel | undefined;
const logger = createLogger(wanted && levels.includes(wanted) ? wanted : 'info');
process.removeAllListeners('warning');
process.on('warning', (warning) => logger.warn('runtime warning', { name: warning.name, warning: warning.message.replace(/\s+/g, ' ').trim() }));
