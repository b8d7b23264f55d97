import { expect, test } from 'vitest';
import { operatorKeyCheck } from '../src/http/credentials.js';

const adminKey = 'operator-key-check-0123456789abcdef';
const request = (headers: Record<string, string>) => new Request('http://gateway.test/api/v1/tenants', { headers });

test('the operator check knows GATEWAY_ADMIN_KEY by Bearer or X-Api-Key, one request at a time', () => {
  const isOperator = operatorKeyCheck(adminKey)!;
  const asOperator = request({ authorization: `Bearer ${adminKey}` });
  expect(isOperator(asOperator)).toBe(true);
  // Asked again for the same request (the log line asks after the limiter): the same answer.
  expect(isOperator(asOperator)).toBe(true);
  expect(isOperator(request({ 'x-api-key': ` ${adminKey} ` }))).toBe(true);
  // A digest made for one request is never another request's answer.
  expect(isOperator(request({ authorization: `Bearer ${adminKey}x` }))).toBe(false);
  expect(isOperator(request({ authorization: `Bearer ${adminKey.slice(0, -1)}` }))).toBe(false);
  expect(isOperator(request({}))).toBe(false);
  // A Bearer token is the credential when both are sent.
  expect(isOperator(request({ authorization: 'Bearer someone-else', 'x-api-key': adminKey }))).toBe(false);
  expect(operatorKeyCheck(undefined)).toBeUndefined();
});
