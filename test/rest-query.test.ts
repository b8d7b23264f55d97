import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { TenantsDbRegionsDocument } from '../src/generated/graphql/graphql.js';
import { createRestEngine } from '../src/rest/engine.js';
import { type Dialect, defineRoute } from '../src/rest/types.js';

// The engine reads a route's query parameters through the route's declaration only: decoded by
// their documented type, checked by their schema, and nothing undeclared reaches the route.

const seen: unknown[] = [];
const route = defineRoute(TenantsDbRegionsDocument, {
  method: 'GET',
  path: '/things',
  summary: 'A route with query parameters',
  query: z.object({
    limit: z.number({ error: 'limit must be an integer from 1 to 10' }).int().min(1).max(10).optional().describe('Max results'),
    hard: z.boolean({ error: 'hard must be true or false' }).optional().describe('Delete permanently'),
    since: z.enum(['1h', '24h']).optional().describe('Time filter'),
  }),
  variables: (request) => {
    seen.push(request.query);
    // @ts-expect-error a parameter the route does not declare cannot be read: `npm run check` fails
    seen.push(request.query.other);
    return {};
  },
  respond: () => ({ status: 200, body: {} }),
  success: { status: 200, description: 'Done' },
});

const dialect: Dialect = {
  name: 'test',
  title: 'Test',
  prefix: '',
  authorization: (headers) => headers.get('authorization'),
  security: { scheme: 'bearer' },
  error: (failure) => ({ status: failure.status, body: { code: failure.code, field: failure.extensions.field, message: failure.message } }),
  problem: () => ({ status: 400 }),
  methodNotAllowed: () => ({ status: 405 }),
  errorStatuses: [400, 401],
  errorSchema: z.object({}),
  routes: [route],
};
const engine = createRestEngine([dialect], async () => ({ data: { regions: [] } }), { maxBodyBytes: 1024 });
const get = async (search: string, headers: Record<string, string> = { authorization: 'Bearer key' }) => {
  const response = (await engine.handle(new Request(`http://gateway.test/things${search}`, { headers })))!;
  return { status: response.status, body: await response.json() };
};

describe('query parameters', () => {
  test('reach the route decoded by their declared type; undeclared ones never do', async () => {
    seen.length = 0;
    expect((await get('?limit=5&hard=true&since=24h&other=x')).status).toBe(200);
    expect(seen).toEqual([{ limit: 5, hard: true, since: '24h' }, undefined]);
    seen.length = 0;
    expect((await get('')).status).toBe(200);
    expect(seen).toEqual([{}, undefined]);
  });

  test.each([
    ['limit=ten', 'limit', 'limit must be an integer from 1 to 10'],
    ['limit=11', 'limit', 'limit must be an integer from 1 to 10'],
    ['limit=1.5', 'limit', 'limit must be an integer from 1 to 10'],
    ['limit=', 'limit', 'limit must be an integer from 1 to 10'],
    ['hard=yes', 'hard', 'hard must be true or false'],
    ['since=2h', 'since', expect.stringMatching(/^since: /)],
  ])('?%s is refused as bad input naming the parameter, before the operation runs', async (search, field, message) => {
    seen.length = 0;
    expect(await get(`?${search}`)).toEqual({ status: 400, body: { code: 'BAD_USER_INPUT', field, message } });
    expect(seen).toEqual([]);
  });

  test('a missing credential is answered before a bad parameter, as before a bad body', async () => {
    expect((await get('?limit=ten', {})).status).toBe(401);
  });
});
