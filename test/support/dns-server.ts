import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export type TestDnsServer = {
  /** `127.0.0.1:<port>`, as DNS_RESOLVERS takes it. */
  address: string;
  /** TXT records by name; a name absent here is NXDOMAIN. */
  txt: Map<string, string[]>;
  /** Names answered SERVFAIL, as a broken authoritative server would. */
  failing: Set<string>;
  /** Every name asked, in order. */
  asked: string[];
  close(): Promise<void>;
};

/** An authoritative DNS server on loopback (UDP) answering TXT questions from a map the test fills. */
export async function startDnsServer(): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const txt = new Map<string, string[]>();
  const failing = new Set<string>();
  const asked: string[] = [];
  socket.on('message', (message, remote) => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    asked.push(name);
    const values = txt.get(name);
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (failing.has(name) ? 2 : values ? 0 : 3),
      questions: [question],
      answers:
        question.type === 'TXT' && values
          ? values.map((value) => ({ type: 'TXT' as const, name: question.name, ttl: 60, class: 'IN' as const, data: [value] }))
          : [],
    });
    socket.send(response, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    txt,
    failing,
    asked,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
