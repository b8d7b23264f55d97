import { Resolver } from 'node:dns/promises';

export type TxtLookup = { found: boolean; lookedUp: string[]; failures: string[] };

const absent = new Set(['ENODATA', 'ENOTFOUND', 'NOTFOUND', 'ENONAME']);

/**
 * Looks for one TXT record value at each name through the given resolvers (`ip:port`;
 * the system's when none). A name without TXT records is a miss; a resolver that fails
 * is reported by name and error code, so the caller can tell "not published" from "not asked".
 */
export async function findTxtRecord(names: string[], expected: string, resolvers?: string[]): Promise<TxtLookup> {
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  if (resolvers?.length) resolver.setServers(resolvers);
  const failures: string[] = [];
  for (const name of names) {
    try {
      const records = await resolver.resolveTxt(name);
      if (records.some((chunks) => chunks.join('') === expected)) return { found: true, lookedUp: names, failures };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      if (!absent.has(code)) failures.push(`${name}: ${code}`);
    }
  }
  return { found: false, lookedUp: names, failures };
}
