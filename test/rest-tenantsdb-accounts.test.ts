import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { signupAccount } from './support/fixtures.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

// TenantsDB API (seed 002): POST /signup and POST /login.

// Every argon2 verification is counted, to show that an unknown email costs the same work as a wrong password.
const verified = vi.hoisted(() => ({ hashes: [] as string[] }));
vi.mock('@node-rs/argon2', async (original) => {
  const argon2 = await original<typeof import('@node-rs/argon2')>();
  return {
    ...argon2,
    verify: (hashed: string, password: string) => {
      verified.hashes.push(hashed);
      return argon2.verify(hashed, password);
    },
  };
});

let gateway: TestGateway;
let throttled: TestGateway;
beforeAll(async () => {
  [gateway, throttled] = await Promise.all([
    startGateway(),
    startGateway({
      env: {
        LOGIN_MAX_FAILURES_PER_EMAIL_AND_ADDRESS: 3,
        LOGIN_MAX_FAILURES_PER_ADDRESS: 5,
        LOGIN_DELAY_AFTER_FAILURES_PER_EMAIL: 4,
        LOGIN_MAX_DELAY_SECONDS: 1,
        LOGIN_FAILURE_WINDOW_SECONDS: 600,
        SIGNUP_PER_ADDRESS_PER_HOUR: 3,
      },
    }),
  ]);
});
afterAll(() => Promise.all([gateway.close(), throttled.close()]));

const email = () => `${uniqueSlug('user')}@example.com`;

describe('POST /signup', () => {
  test('the documented request: 201 with a tenantsdb_sk_ key and a tdb_ project id; the project is "My Project" on FREE', async () => {
    const address = email();
    const response = await gateway.rest('POST', '/signup', { body: { email: address, password: 'correct horse battery' } });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      success: true,
      http_status: 201,
      code: 'created',
      api_key: expect.stringMatching(/^tenantsdb_sk_[0-9a-f]{64}$/),
      project_id: expect.stringMatching(/^tdb_[0-9a-f]{8}$/),
    });
    const project = await gateway.database.prisma.project.findUniqueOrThrow({ where: { slug: response.body.project_id }, include: { customer: true } });
    expect(project).toMatchObject({ name: 'My Project', tier: 'FREE', customer: { email: address } });
    expect(project.customer!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const projects = await gateway.rest('GET', '/projects', { headers: { authorization: `Bearer ${response.body.api_key}` } });
    expect(projects.body.projects).toEqual([{ project_id: response.body.project_id, name: 'My Project', api_key_count: 1, created_at: expect.any(String) }]);
  });

  test('project_name names the first project; the email is trimmed and lowercased', async () => {
    const address = email();
    const response = await gateway.rest('POST', '/signup', {
      body: { email: `  ${address.toUpperCase()} `, password: 'correct horse battery', project_name: 'Healthcare SaaS' },
    });
    expect(response.status).toBe(201);
    const project = await gateway.database.prisma.project.findUniqueOrThrow({ where: { slug: response.body.project_id }, include: { customer: true } });
    expect(project).toMatchObject({ name: 'Healthcare SaaS', customer: { email: address } });
  });

  test('a taken email is 409 conflict, whatever its case; nothing is written', async () => {
    const address = email();
    expect((await gateway.rest('POST', '/signup', { body: { email: address, password: 'correct horse battery' } })).status).toBe(201);
    const before = await gateway.database.prisma.project.count();
    const again = await gateway.rest('POST', '/signup', { body: { email: address.toUpperCase(), password: 'another password' } });
    expect(again).toMatchObject({
      status: 409,
      body: { success: false, http_status: 409, code: 'conflict', error: 'An account with this email already exists' },
    });
    expect(await gateway.database.prisma.project.count()).toBe(before);
  });

  test.each([
    [{ password: 'correct horse battery' }, 'email is required'],
    [{ email: 'someone@example.com' }, 'password is required'],
    [{ email: 'not-an-email', password: 'correct horse battery' }, 'email must be a valid email address'],
    [{ email: `${'a'.repeat(250)}@example.com`, password: 'correct horse battery' }, 'email must be at most 254 characters'],
    [{ email: 'someone@example.com', password: 'short' }, 'password must be at least 8 characters'],
    [{ email: 'someone@example.com', password: 'x'.repeat(257) }, 'password must be at most 256 characters'],
    [{ email: 'someone@example.com', password: 'correct horse battery', project_name: '   ' }, 'project_name must not be empty'],
    [{ email: 'someone@example.com', password: 'correct horse battery', project_name: 'p'.repeat(101) }, 'project_name must be at most 100 characters'],
    [{ email: 'someone@example.com', password: 12345678 }, 'password: Invalid input: expected string, received number'],
  ])('%j is 400 bad_request naming the field: %s; nothing is written', async (body, error) => {
    const before = await gateway.database.prisma.customer.count();
    const response = await gateway.rest('POST', '/signup', { body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, http_status: 400, code: 'bad_request', error });
    expect(await gateway.database.prisma.customer.count()).toBe(before);
  });

  test('a NUL byte or a lone surrogate in the email is refused at the boundary', async () => {
    for (const address of ['a\u0000b@example.com', 'a\ud800@example.com']) {
      const response = await gateway.rest('POST', '/signup', { body: { email: address, password: 'correct horse battery' } });
      expect(response.status).toBe(400);
      expect(response.body.error).toContain('email');
    }
  });
});

describe('signups per client address (SIGNUP_PER_ADDRESS_PER_HOUR, 3 here)', () => {
  const from = (client: string, path: string, body: object) =>
    throttled.app.fetch(
      new Request(`http://gateway.test${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      { clientAddress: client },
    );
  const signupFrom = (client: string, body: object) => from(client, '/signup', body);

  test('10 an hour by default', async () => {
    const { readEnvironment } = await import('../src/env.js');
    expect(readEnvironment({}).SIGNUP_PER_ADDRESS_PER_HOUR).toBe(10);
  });

  test('past the allowance POST /signup is 429 rate_limited with Retry-After, and nothing is written; other addresses are not held up', async () => {
    const taken = email();
    expect((await signupFrom('203.0.113.21', { email: taken, password: 'correct horse battery' })).status).toBe(201);
    // A taken email counts too: the limit also bounds probing for accounts.
    expect((await signupFrom('203.0.113.21', { email: taken, password: 'correct horse battery' })).status).toBe(409);
    expect((await signupFrom('203.0.113.21', { email: email(), password: 'correct horse battery' })).status).toBe(201);
    const refusedEmail = email();
    const refused = await signupFrom('203.0.113.21', { email: refusedEmail, password: 'correct horse battery' });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      success: false,
      http_status: 429,
      code: 'rate_limited',
      error: 'Too many signups from this address: try again later',
    });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3_000);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3_600);
    expect(await throttled.database.prisma.customer.count({ where: { email: refusedEmail } })).toBe(0);
    expect((await signupFrom('198.51.100.21', { email: refusedEmail, password: 'correct horse battery' })).status).toBe(201);
  });

  test('a refused (400) signup does not count', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await signupFrom('203.0.113.22', { email: 'not an email', password: 'correct horse battery' })).status).toBe(400);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await signupFrom('203.0.113.22', { email: email(), password: 'correct horse battery' })).status).toBe(201);
    }
    expect((await signupFrom('203.0.113.22', { email: email(), password: 'correct horse battery' })).status).toBe(429);
  });

  test('the GraphQL signup mutation shares the allowance: past it, RATE_LIMITED with retryAfter', async () => {
    const mutation = (address: string) => ({
      query: 'mutation ($input: SignupInput!) { signup(input: $input) { apiKey } }',
      variables: { input: { email: address, password: 'correct horse battery' } },
    });
    expect((await signupFrom('203.0.113.23', { email: email(), password: 'correct horse battery' })).status).toBe(201);
    for (let attempt = 0; attempt < 2; attempt++) {
      const allowed = await (await from('203.0.113.23', '/graphql', mutation(email()))).json();
      expect(allowed.errors).toBeUndefined();
    }
    const refusedEmail = email();
    const response = await from('203.0.113.23', '/graphql', mutation(refusedEmail));
    const refused = await response.json();
    expect(refused.errors).toEqual([
      expect.objectContaining({
        message: 'Too many signups from this address: try again later',
        extensions: expect.objectContaining({ code: 'RATE_LIMITED', policy: 'signup-address', limit: 3, windowSeconds: 3_600, retryAfter: expect.any(Number) }),
      }),
    ]);
    expect(await throttled.database.prisma.customer.count({ where: { email: refusedEmail } })).toBe(0);
  });
});

describe('POST /login', () => {
  async function account(target = gateway, projectName?: string) {
    const { email: address, key, projectId } = await signupAccount(target, { projectName });
    return { address, key, projectId };
  }

  test('the documented response: every project with its id, name and a fresh session key that works', async () => {
    const { address, key, projectId } = await account(gateway, 'Healthcare SaaS');
    const response = await gateway.rest('POST', '/login', { body: { email: address, password: 'correct horse battery' } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      projects: [{ project_id: projectId, name: 'Healthcare SaaS', api_key: expect.stringMatching(/^tenantsdb_sk_[0-9a-f]{64}$/) }],
    });
    const session = response.body.projects[0].api_key;
    expect(session).not.toBe(key);
    const listed = await gateway.rest('GET', '/projects', { headers: { authorization: `Bearer ${session}` } });
    expect(listed.status).toBe(200);
    const stored = await gateway.database.prisma.apiKey.findMany({ where: { project: { slug: projectId } }, orderBy: { createdAt: 'asc' } });
    expect(stored.map((row) => [row.name, row.session])).toEqual([
      ['default', false],
      ['session', true],
    ]);
    const ttl = stored[1]!.expiresAt!.getTime() - stored[1]!.createdAt.getTime();
    expect(Math.round(ttl / 86_400_000)).toBe(30);
  });

  test("a second login replaces the project's session key: the first stops working, the permanent key does not", async () => {
    const { address, key } = await account();
    const first = (await gateway.rest('POST', '/login', { body: { email: address, password: 'correct horse battery' } })).body.projects[0].api_key;
    const second = (await gateway.rest('POST', '/login', { body: { email: address, password: 'correct horse battery' } })).body.projects[0].api_key;
    const status = async (bearer: string) => (await gateway.rest('GET', '/projects', { headers: { authorization: `Bearer ${bearer}` } })).status;
    expect([await status(first), await status(second), await status(key)]).toEqual([401, 200, 200]);
  });

  test('a wrong password and an unknown email: the same 401 after the same work (an argon2id hash verified either way)', async () => {
    const { address } = await account();
    verified.hashes.length = 0;
    const wrong = await gateway.rest('POST', '/login', { body: { email: address, password: 'wrong password' } });
    const afterWrong = [...verified.hashes];
    verified.hashes.length = 0;
    const unknown = await gateway.rest('POST', '/login', { body: { email: email(), password: 'wrong password' } });
    const afterUnknown = [...verified.hashes];
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body).toEqual({ success: false, http_status: 401, code: 'unauthorized', error: 'Invalid email or password' });
    expect(afterWrong).toHaveLength(1);
    expect(afterUnknown).toHaveLength(1);
    const parameters = (hash: string) => hash.split('$').slice(0, 4).join('$');
    expect(parameters(afterUnknown[0]!)).toBe(parameters(afterWrong[0]!));
    expect(parameters(afterWrong[0]!)).toBe('$argon2id$v=19$m=19456,t=2,p=1');
  });

  test.each([
    [{ email: 'nobody', password: '' }, 'email must be a valid email address; password is required'],
    [{ email: 'someone@example.com', password: 'x'.repeat(257) }, 'password must be at most 256 characters'],
    [{ password: 'correct horse battery' }, 'email is required'],
  ])('%j is 400 naming the field (%s), before any password work', async (body, error) => {
    verified.hashes.length = 0;
    const response = await gateway.rest('POST', '/login', { body });
    expect(response.body).toEqual({ success: false, http_status: 400, code: 'bad_request', error });
    expect(verified.hashes).toEqual([]);
  });

  const loginFrom = (client: string, body: { email: string; password: string }) =>
    throttled.app.fetch(
      new Request('http://gateway.test/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      { clientAddress: client },
    );

  test('repeated failures for one email from one address are 429 with Retry-After for that pair, even with the right password, until the window ends, without checking the password; the owner elsewhere and other emails are not held up', async () => {
    const { address } = await account(throttled);
    const other = await account(throttled);
    for (let attempt = 0; attempt < 3; attempt++) expect((await loginFrom('203.0.113.21', { email: address, password: 'wrong password' })).status).toBe(401);
    verified.hashes.length = 0;
    const refused = await loginFrom('203.0.113.21', { email: address, password: 'correct horse battery' });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ success: false, http_status: 429, code: 'rate_limited', error: 'Too many failed logins: try again later' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(500);
    expect(verified.hashes).toEqual([]);
    expect((await loginFrom('203.0.113.21', { email: other.address, password: 'correct horse battery' })).status).toBe(200);
    expect((await loginFrom('198.51.100.21', { email: address, password: 'correct horse battery' })).status).toBe(200);
  });

  test("a stranger's failures from other addresses do not lock the owner out of a correct login from their own address", async () => {
    const { address } = await account(throttled);
    expect((await loginFrom('198.51.100.30', { email: address, password: 'correct horse battery' })).status).toBe(200);
    // The stranger spends one address's allowance for this email (then is refused there), and goes on from more addresses.
    for (let attempt = 0; attempt < 3; attempt++) expect((await loginFrom('203.0.113.31', { email: address, password: 'guess guess' })).status).toBe(401);
    expect((await loginFrom('203.0.113.31', { email: address, password: 'guess guess' })).status).toBe(429);
    for (const client of ['203.0.113.32', '203.0.113.33', '203.0.113.34']) {
      for (let attempt = 0; attempt < 4; attempt++) expect([401, 429]).toContain((await loginFrom(client, { email: address, password: 'guess guess' })).status);
    }
    expect((await loginFrom('198.51.100.30', { email: address, password: 'correct horse battery' })).status).toBe(200);
  });

  test('many addresses guessing one email are slowed by growing delays (at most LOGIN_MAX_DELAY_SECONDS), never a lock: an address the owner has logged in from is not delayed, a new one waits its turn', async () => {
    const { address } = await account(throttled);
    expect((await loginFrom('198.51.100.40', { email: address, password: 'correct horse battery' })).status).toBe(200);
    for (let client = 41; client <= 45; client++)
      expect((await loginFrom(`203.0.113.${client}`, { email: address, password: 'guess guess' })).status).toBe(401);
    // Five failures on the email, past LOGIN_DELAY_AFTER_FAILURES_PER_EMAIL (4): a further guess from a new address waits first.
    verified.hashes.length = 0;
    const slowed = await loginFrom('203.0.113.46', { email: address, password: 'guess guess' });
    expect(slowed.status).toBe(429);
    expect(Number(slowed.headers.get('retry-after'))).toBe(1);
    expect(verified.hashes).toEqual([]);
    expect((await loginFrom('198.51.100.40', { email: address, password: 'correct horse battery' })).status).toBe(200);
    const travelling = await loginFrom('192.0.2.40', { email: address, password: 'correct horse battery' });
    expect(travelling.status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, Number(travelling.headers.get('retry-after')) * 1000 + 50));
    expect((await loginFrom('192.0.2.40', { email: address, password: 'correct horse battery' })).status).toBe(200);
  });

  test('repeated failures from one address are 429 for any email from it; other addresses are not held up', async () => {
    const { address } = await account(throttled);
    const login = (body: object, client: string) =>
      throttled.app.fetch(
        new Request('http://gateway.test/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        { clientAddress: client },
      );
    for (let attempt = 0; attempt < 5; attempt++) expect((await login({ email: email(), password: 'guess guess' }, '203.0.113.9')).status).toBe(401);
    const refused = await login({ email: address, password: 'correct horse battery' }, '203.0.113.9');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await login({ email: address, password: 'correct horse battery' }, '198.51.100.7')).status).toBe(200);
  });
});

describe('GraphQL', () => {
  test('signup and login are anonymous mutations; viewer { customer { projects } } lists the account', async () => {
    const address = email();
    const signup = await gateway.graphql<{ signup: { apiKey: string; project: { slug: string; name: string } } }, object>(
      'mutation ($input: SignupInput!) { signup(input: $input) { apiKey project { slug name } } }',
      { input: { email: address, password: 'correct horse battery', projectName: 'E-commerce Platform' } },
      null,
    );
    expect(signup.errors).toBeUndefined();
    const login = await gateway.graphql<{ login: { customer: { email: string }; sessions: { apiKey: string; project: { slug: string } }[] } }, object>(
      'mutation ($input: LoginInput!) { login(input: $input) { customer { email } sessions { apiKey project { slug } } } }',
      { input: { email: address, password: 'correct horse battery' } },
      null,
    );
    expect(login.data!.login.customer.email).toBe(address);
    expect(login.data!.login.sessions.map((session) => session.project.slug)).toEqual([signup.data!.signup.project.slug]);
    const viewer = await gateway.graphql<{ viewer: { customer: { email: string; projects: { slug: string; name: string; apiKeyCount: number }[] } } }, object>(
      '{ viewer { customer { email projects { slug name apiKeyCount } } } }',
      {},
      login.data!.login.sessions[0]!.apiKey,
    );
    expect(viewer.data!.viewer.customer).toEqual({
      email: address,
      projects: [{ slug: signup.data!.signup.project.slug, name: 'E-commerce Platform', apiKeyCount: 2 }],
    });
  });

  test("viewer.customer is FORBIDDEN for keys that do not belong to an account (the operator's)", async () => {
    const result = await gateway.graphql('{ viewer { customer { email } } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
