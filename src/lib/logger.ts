import pino from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

type Log = (message: string, fields?: Record<string, unknown>) => void;
export type Logger = Record<Exclude<LogLevel, 'silent'>, Log> & {
  /** A logger whose every line carries `bindings` (a request id, a tenant). */
  child(bindings: Record<string, unknown>): Logger;
};

const secretNames = ['.authorization', '.password', '.secret', '.token', '.apiKey', '.key', '["x-api-key"]'];

/** Whatever names a credential or a secret is never written, down to four levels into a log line's fields. */
export const redactedPaths = [
  ...secretNames.flatMap((name) => [`*.*${name}`, `*.*.*${name}`]),
  'authorization',
  'password',
  'secret',
  'token',
  'apiKey',
  'key',
  '*.authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.key',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'headers.authorization',
];

function wrap(base: pino.Logger): Logger {
  const log =
    (level: Exclude<LogLevel, 'silent'>): Log =>
    (message, fields) => {
      if (!base.isLevelEnabled(level)) return;
      const serialized = fields
        ? Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, value instanceof Error ? pino.stdSerializers.err(value) : value]))
        : {};
      base[level](serialized, message);
    };
  return {
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    fatal: log('fatal'),
    child: (bindings) => wrap(base.child(bindings)),
  };
}

/**
 * JSON lines on stderr (pino), so logs stay machine-readable and stdout stays for what the user
 * asked for: `{"level":"info","time":"…","message":"…", …}`. Errors are serialized with their
 * type and stack; credentials and secrets are redacted.
 */
export function createLogger(level: LogLevel, destination: pino.DestinationStream = pino.destination({ dest: 2, sync: true })): Logger {
  return wrap(
    pino(
      {
        level,
        base: null,
        messageKey: 'message',
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: redactedPaths, censor: '[redacted]' },
      },
      destination,
    ),
  );
}
