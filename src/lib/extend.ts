/**
 * `{ ...base, ...fields }`, for objects made per request on a hot path.
 *
 * On Node 20 (V8 11.3) an object literal that starts with a spread makes a clone whose hidden
 * class (Map) keeps no transitions: when the clone then gets one more property, in the same
 * literal or later, V8 makes a new Map and descriptor array for that one object, in the old
 * generation. Each such object costs a Map, and the young objects near it are promoted with it:
 * in a bare loop, 19,992 of 20,000 `{ ...base, now: 1 }` had a Map of their own, and the loop
 * promoted 92 MB in 2 s against 0.1 MB for `Object.assign({}, base, { now: 1 })`. Node 22
 * (V8 12.4) shares the Map either way. A literal that starts with a property (`{ id, ...rest }`)
 * is not a clone and is not affected.
 *
 * The same own enumerable properties as the spread, in the same order. Object.assign sets rather
 * than defines them, which differs only for a `__proto__` key (it would set the prototype): an
 * object that has one as its own (JSON.parse makes those) is spread instead.
 */
export function extend<Base extends object, Fields extends object>(base: Base, fields: Fields): Omit<Base, keyof Fields> & Fields {
  if (Object.hasOwn(base, '__proto__') || Object.hasOwn(fields, '__proto__')) return { ...base, ...fields };
  return Object.assign({}, base, fields);
}
