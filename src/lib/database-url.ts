/** `postgres://…` or `postgresql://…` is a PostgreSQL server; any other DATABASE_URL is a PGlite data directory. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
