import pino from 'pino';
import { LogStream } from './log-stream.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

type Log = (message: string, fields?: Record<string, unknown>) => void;
export type Logger = Record<Exclude<LogLevel, 'silent'>, Log> & {
  /** A logger whose every line carries `bindings` (a request id, a tenant). */
  child(bindings: Record<string, unknown>): Logger;
};

/**
 * Fields whose value is never written, at any depth of a log line: credentials and secrets, by
 * how their names end (`accessToken`, `client_secret`, `x-api-key`, `set-cookie`, `privateKey`), and `key`.
 */
const secretField = /(^key|token|secret|secrets?[-_]?key|password|passwd|passphrase|authorization|cookie|api[-_]?key|private[-_]?key)$/i;
const censor = '[redacted]';
/** Past this depth a value is not walked: it is written as `[too deep]`, so no secret can hide below the walk. */
const maxDepth = 8;

/**
 * A log line's fields as written: errors serialized with their type, message, stack and own
 * fields, and every secret-named field censored, in nested objects, arrays and errors alike.
 * One walk over what is logged: pino's own path-based redaction (fast-redact, with the wildcard
 * paths this needed) cost 43 µs a line, ten times the rest of a line, and covered fixed depths only.
 */
function written(value: unknown, depth: number, path: Set<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > maxDepth) return '[too deep]';
  // Only a value inside itself is circular: the same object twice side by side is written twice.
  if (path.has(value)) return '[circular]';
  path.add(value);
  try {
    if (value instanceof Error) return written(pino.stdSerializers.err(value), depth, path);
    if (Array.isArray(value)) return value.map((entry) => written(entry, depth + 1, path));
    // As JSON.stringify writes it: what toJSON gives (a date's text, a URL's), or the own enumerable fields.
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return written((value as { toJSON(): unknown }).toJSON(), depth, path);
    const copy: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(value)) copy[name] = secretField.test(name) ? censor : written(field, depth + 1, path);
    return copy;
  } finally {
    path.delete(value);
  }
}

function wrap(base: pino.Logger): Logger {
  const log =
    (level: Exclude<LogLevel, 'silent'>): Log =>
    (message, fields) => {
      if (!base.isLevelEnabled(level)) return;
      base[level](fields ? (written(fields, 0, new Set()) as object) : {}, message);
    };
  return {
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    fatal: log('fatal'),
    child: (bindings) => wrap(base.child(written(bindings, 0, new Set()) as Record<string, unknown>)),
  };
}

let stderr: LogStream | undefined;

/** The process's one stream of log lines to stderr, shared by every logger so lines never interleave (log-stream.ts). */
function stderrLines(): LogStream {
  stderr ??= new LogStream(2);
  return stderr;
}

/** Writes the log lines queued so far now: what was logged before a line on stdout (`listening`) comes before it. */
export const flushLogLines = () => stderr?.flush();

/** Log lines this process could not write (stderr's reader stuck or gone), for /metrics. */
export const droppedLogLines = () => stderr?.dropped ?? 0;

/**
 * JSON lines on stderr (pino), so logs stay machine-readable and stdout stays for what the user
 * asked for: `{"level":"info","time":"…","message":"…", …}`. Errors are serialized with their
 * type and stack; credentials and secrets are redacted.
 */
export function createLogger(level: LogLevel, destination: pino.DestinationStream = stderrLines()): Logger {
  return wrap(
    pino(
      {
        level,
        base: null,
        messageKey: 'message',
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      destination,
    ),
  );
}
