import { randomBytes } from 'node:crypto';
import type { BackupRecord } from '../../generated/prisma/client.js';
import { type Keyring, open, seal } from '../../lib/keyring.js';

// Each encrypted backup file is sealed with a random data key of its own; the keyring wraps that
// key, bound to the backup's id, and the record keeps it. Rotating the keyring re-wraps the
// record's key, never the file. The file itself needs no additional data: no other file is sealed
// with its key, and the record's checksum names its bytes.

/** Bound to the backup: a wrapped key copied onto another record does not open there. */
export const fileKeyContext = (backupId: string) => `backup-file-key:${backupId}`;

/** A new file's data key and what the record keeps of it. */
export function newFileKey(keyring: Keyring, backupId: string): { key: Buffer; wrapped: Uint8Array<ArrayBuffer> } {
  const key = randomBytes(32);
  return { key, wrapped: seal(keyring, fileKeyContext(backupId), key) };
}

/** The key an encrypted backup's file is sealed with, or null when no key of the ring opens it. */
export function openFileKey(keyring: Keyring, record: Pick<BackupRecord, 'id' | 'wrappedFileKey'>): Buffer | null {
  return record.wrappedFileKey ? open(keyring, fileKeyContext(record.id), record.wrappedFileKey) : null;
}
