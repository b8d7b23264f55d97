import { Writable } from 'node:stream';
import { expect, test } from 'vitest';
import { createLogger } from '../src/lib/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger('debug', stream) };
}

test('log lines are JSON with level, time and message; errors keep their type and stack', () => {
  const { lines, logger } = capture();
  logger.error('backup failed', { tenant: 'acme', error: new TypeError('disk full') });
  logger.debug('detail');
  logger.child({ requestId: 'req-1' }).info('done', { status: 200 });
  const [first, second, third] = lines.map((line) => JSON.parse(line));
  expect(first).toMatchObject({ level: 'error', message: 'backup failed', tenant: 'acme', error: { type: 'TypeError', message: 'disk full' } });
  expect(first.error.stack).toContain('TypeError: disk full');
  expect(new Date(first.time).toISOString()).toBe(first.time);
  expect(second).toMatchObject({ level: 'debug', message: 'detail' });
  expect(third).toMatchObject({ level: 'info', message: 'done', requestId: 'req-1', status: 200 });
});

test('credentials and secrets never reach a log line, at any depth the gateway logs them', () => {
  const { lines, logger } = capture();
  const key = 'tgw_Ab12Cd34_5Y0nOtReAlLyAsEcReTbUtLoNgEnOuGhToTeLl1234567';
  logger.warn('refused', {
    authorization: `Bearer ${key}`,
    request: { headers: { authorization: `Bearer ${key}`, 'x-api-key': key } },
    headers: { authorization: `Bearer ${key}`, 'x-api-key': key },
    input: { secret: 'S3CR3T-VALUE', password: 'hunter2-password', token: 'tok-123' },
    secret: 'top-secret-value',
  });
  const text = lines.join('\n');
  for (const value of [key, 'S3CR3T-VALUE', 'hunter2-password', 'tok-123', 'top-secret-value']) expect(text).not.toContain(value);
  expect(JSON.parse(lines[0]!)).toMatchObject({ authorization: '[redacted]', request: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' } } });
});
