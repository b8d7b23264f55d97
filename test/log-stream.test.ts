import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { LogStream } from '../src/lib/log-stream.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

async function logFile() {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'log-stream-')), 'log');
  return { file, fd: openSync(file, 'w') };
}

test("a turn's lines go out together when the turn ends, in their order", async () => {
  const { file, fd } = await logFile();
  const stream = new LogStream(fd);
  for (const line of ['one\n', 'two\n', 'three\n']) stream.write(line);
  expect(readFileSync(file, 'utf8')).toBe('');
  await turn();
  expect(readFileSync(file, 'utf8')).toBe('one\ntwo\nthree\n');
  stream.write('four\n');
  stream.flush(true);
  expect(readFileSync(file, 'utf8')).toBe('one\ntwo\nthree\nfour\n');
  expect(stream.dropped).toBe(0);
  closeSync(fd);
});

test('past the queue limit, lines are dropped and counted, not held', async () => {
  const { file, fd } = await logFile();
  const stream = new LogStream(fd, 25);
  for (let line = 0; line < 5; line++) stream.write(`line ${line} ........\n`);
  await turn();
  expect(readFileSync(file, 'utf8')).toBe('line 0 ........\n');
  expect(stream.dropped).toBe(4);
  closeSync(fd);
});

test('a descriptor that fails ends logging, counting what it could not write', async () => {
  const { fd } = await logFile();
  const stream = new LogStream(fd);
  closeSync(fd);
  stream.write('lost\n');
  stream.write('lost too\n');
  await turn();
  expect(stream.dropped).toBe(2);
  stream.write('after\n');
  expect(stream.dropped).toBe(3);
});

test('a process whose stderr reader has gone still exits when it is done (it does not wait on stderr)', { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/log-after-reader-left.ts'], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.destroy();
  const exited = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('still running after 15 s');
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? 'killed');
    });
  });
  expect(exited).toBe(0);
});
