/** `2025-01-26T02:00:00.000Z` → `2025-01-26T02:00:00Z`: instants as the seed writes them. */
export function instant<T extends string | null | undefined>(value: T): T {
  return (value ? value.replace(/\.\d{3}Z$/, 'Z') : value) as T;
}
