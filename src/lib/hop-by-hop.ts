/** RFC 9110 section 7.6.1: headers meaningful for one connection only, never forwarded (plus those a Connection header names). */
export const hopByHopHeaders: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];
