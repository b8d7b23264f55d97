import { expect, test } from 'vitest';
import { regionalDomain } from '../src/modules/domains/domain-names.js';
import { tenantDefaultDomain as defaultDomain } from '../src/modules/tenants/default-domains.js';

// Slugs are unique only within a project: the host names built from them must not be shared.
const base = 'controlcore.io';
const operators = { slug: 'acme', domain: null, projectId: null };
const first = { slug: 'acme', domain: null, projectId: '1a2b3c4d-0000-4000-8000-000000000001' };
const second = { slug: 'acme', domain: null, projectId: '9f8e7d6c-0000-4000-8000-000000000002' };

test("a tenant with no project is <slug>.<base>; a project's tenant carries its project's tag, so two projects' acme differ from each other and from it", () => {
  expect(defaultDomain(operators, base)).toBe('acme.controlcore.io');
  expect(defaultDomain(first, base)).toBe('acme.p1a2b3c4d.controlcore.io');
  expect(new Set([operators, first, second].map((tenant) => defaultDomain(tenant, base))).size).toBe(3);
});

test('regional domains keep that distinction; a given domain is used as given', () => {
  expect(regionalDomain(operators, 'eu-west-1', base)).toBe('acme.eu.controlcore.io');
  expect(regionalDomain(first, 'eu-west-1', base)).toBe('acme.p1a2b3c4d.eu.controlcore.io');
  expect(new Set([operators, first, second].map((tenant) => regionalDomain(tenant, 'us-east-1', base))).size).toBe(3);
  const given = { ...first, domain: 'policies.acme.com' };
  expect(defaultDomain(given, base)).toBe('policies.acme.com');
  expect(regionalDomain({ ...operators, domain: 'acme.controlcore.io' }, 'eu-west-1', base)).toBe('acme.eu.controlcore.io');
});
