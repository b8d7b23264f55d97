/** A route's rules for the headers on one side of its calls (gateway configuration `routes[].headers`): removed, then set. */
export type HeaderRules = { set?: { name: string; value: string }[]; remove?: string[] };

/** Applies `rules` to headers kept by lowercase name (a call being built) or to a `Headers`. */
export function applyHeaderRules(headers: Record<string, string> | Headers, rules: HeaderRules | undefined): void {
  if (!rules) return;
  if (headers instanceof Headers) {
    for (const name of rules.remove ?? []) headers.delete(name);
    for (const { name, value } of rules.set ?? []) headers.set(name, value);
    return;
  }
  for (const name of rules.remove ?? []) delete headers[name.toLowerCase()];
  for (const { name, value } of rules.set ?? []) headers[name.toLowerCase()] = value;
}
