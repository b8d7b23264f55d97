import http from 'node:http';
import type { AddressInfo } from 'node:net';

// R1's upstream: a plain node:http server answering every GET with about a kilobyte of JSON
// (an item as an API would answer it), and /metrics with the requests it served.

let served = 0;
const item = (id: string) =>
  JSON.stringify({
    id,
    name: `Item ${id}`,
    description: 'A representative upstream answer: an object with a few fields and a nested list.'.repeat(4),
    tags: ['alpha', 'beta', 'gamma', 'delta'],
    price: { amount: 1999, currency: 'EUR' },
    updatedAt: '2026-12-07T00:00:00.000Z',
    links: Array.from({ length: 8 }, (_, n) => ({ rel: `related-${n}`, href: `/items/${id}/related/${n}` })),
  });

const server = http.createServer((request, response) => {
  if (request.url === '/metrics') {
    response.end(`upstream_requests_total ${served}\n`);
    return;
  }
  served++;
  const body = item(request.url!.split('/').pop() ?? '');
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`upstream listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
