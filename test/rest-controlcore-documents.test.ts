
describe('input boundaries', () => {
  test.each([
    ['a NUL byte in the name', '{"name":"a\\u0000b"}', 'name'],
    ['a lone surrogate in the description', '{"name":"a","description":"x\\ud800"}', 'description'],
    ['a prototype key in the spec', '{"name":"a","spec":{"__proto__":{"admin":true}}}', 'spec.__proto__'],
  ])('%s is 400 naming the field, nothing written', async (_case, rawBody, field) => {
    const owner = await tenant();
    const response = await gateway.rest('POST', '/api/v1/policies', { headers: { ...as(owner), 'content-type': 'application/json' }, rawBody });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'validation_error', field, tenant_id: owner.id });
    expect(await gateway.database.prisma.tenantDocument.count({ where: { tenantId: owner.uuid } })).toBe(0);
  });

  test('a NUL byte in X-Tenant-ID or ?tenant_id is refused before anything runs', async () => {
    const query = await gateway.rest('GET', '/api/v1/policies?tenant_id=a%00b', { headers: admin });
    expect(query.status).toBe(400);
    expect(query.body).toMatchObject({ error: 'validation_error', field: 'tenant_id' });
  });
});
