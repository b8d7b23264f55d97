import { Prisma } from '../generated/prisma/client.js';

/**
 * The current instant as the gateway's `timestamp` columns hold instants: UTC wall time, as
 * Prisma writes every DateTime. Plain `now()` (or a column's CURRENT_TIMESTAMP default) would be
 * the session's time zone — the server's `TimeZone` setting — so on a server not set to UTC a
 * lease or a due time written in SQL and one written by Prisma would differ by the offset.
 */
export const utcNowText = "(now() AT TIME ZONE 'UTC')";

/** `utcNowText` for Prisma's tagged SQL. */
export const utcNow = Prisma.raw(utcNowText);
