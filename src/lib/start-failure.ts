/** Errors whose message says all a user needs: shown alone, without a stack. */
const explained = new Set(['InvalidEnvironmentError', 'DirectoryBusyError', 'TrustedDocumentsError']);
/** Node's codes for a database server that cannot be reached. */
const unreachable = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** One line for a failure at start, or null when it is unexpected (then the stack is worth printing). */
export function describeStartFailure(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  if (explained.has(error.name)) return error.message;
  const code = (error as NodeJS.ErrnoException).code ?? (error.cause as NodeJS.ErrnoException | undefined)?.code;
  // Prisma says it in a sentence of its own: the schema engine's first line, or inside a raw query's error (the baseline's first look).
  const server = /Can't reach database server at `?([^`\n]+?)`?(?:\n|$)/.exec(error.message);
  if (server) return `Can't reach database server at \`${server[1]}\`: check DATABASE_URL and that the server is up`;
  if (code && unreachable.has(code)) return `the database cannot be reached (${code}): check DATABASE_URL and that the server is up`;
  return null;
}

/** Runs `start`; a failure it can explain is one line on stderr and exit code 1. */
export async function startOrExit<T>(program: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const line = describeStartFailure(error);
    if (!line) throw error;
    process.stderr.write(`${program}: ${line}\n`);
    process.exit(1);
  }
}
