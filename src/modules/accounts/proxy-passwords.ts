import { randomBytes } from 'node:crypto';
import { seal, unseal } from '../../lib/sealing.js';

/** The gateway's key (SECRETS_KEY) and the keys it replaced, which still open what they sealed. */
export type Keyring = { key: Buffer; previousKeys: Buffer[] };

/** `tdb_<16 hex>`, as the seed shows it. */
export const mintProxyPassword = () => `tdb_${randomBytes(8).toString('hex')}`;

/** The project's id is sealed with the password, so a sealed value copied onto another project does not open there. */
export function sealProxyPassword(keyring: Keyring, projectId: string, password: string): Uint8Array<ArrayBuffer> {
  const sealed = seal(keyring.key, Buffer.from(JSON.stringify({ project: projectId, password })));
  return new Uint8Array(sealed.buffer.slice(sealed.byteOffset, sealed.byteOffset + sealed.byteLength)) as Uint8Array<ArrayBuffer>;
}

export function openProxyPassword(keyring: Keyring, projectId: string, sealed: Uint8Array): string {
  for (const key of [keyring.key, ...keyring.previousKeys]) {
    let opened: { project?: unknown; password?: unknown };
    try {
      opened = JSON.parse(unseal(key, Buffer.from(sealed)).toString('utf8'));
    } catch {
      continue;
    }
    if (opened.project === projectId && typeof opened.password === 'string') return opened.password;
  }
  throw new Error(`the proxy password of project ${projectId} does not open with SECRETS_KEY or SECRETS_KEY_PREVIOUS`);
}
