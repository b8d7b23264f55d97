/**
 * What the gateway learns about one request while serving it (its token's digest, its verdict,
 * its log notes, its operation's name), kept on the request object under a symbol of its own
 * rather than in a WeakMap keyed by the request.
 *
 * Why not a WeakMap: a module-level WeakMap lives in V8's old generation, and the young
 * generation's collector (the scavenger) keeps its entries, and what their keys reach, alive
 * until the next full collection, so every request used as a key is promoted there. Six of them
 * were keyed by each request. On cached W1 reads at 1,500 requests a second (11 s, after the
 * bridge's request stopped making a hidden class per request) they promoted 12 MB against 3.4 MB
 * with these memos, and scavenges took 2.6-2.9 ms against 1.0-1.3 ms; in a bare loop of objects
 * used once as WeakMap keys, 11 times the promoted bytes and 26 full collections against one.
 * A property dies with its request in the first scavenge.
 */
export type RequestMemo<V> = {
  get(request: object): V | undefined;
  has(request: object): boolean;
  set(request: object, value: V): void;
};

export function requestMemo<V>(description: string): RequestMemo<V> {
  const slot = Symbol(description);
  type Holder = { [slot]?: V };
  return {
    get: (request) => (request as Holder)[slot],
    has: (request) => (request as Holder)[slot] !== undefined,
    set: (request, value) => {
      (request as Holder)[slot] = value;
    },
  };
}
