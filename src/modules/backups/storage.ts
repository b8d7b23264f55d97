import type { Environment } from '../../env.js';
import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { type AllowedBuckets, tenantObjectPrefix } from '../configs/backup-destinations.js';
import type { BackupDestination } from '../configs/config-spec.js';

/**
 * A write a destination refused, with what a tenant may be told: a summary, never the SDK's or
 * the file system's own message, which can name hosts, paths and accounts.
 */
export class StorageWriteError extends Error {
  constructor(
    readonly summary: string,
    options: { cause: unknown },
  ) {
    super(summary, options);
    this.name = 'StorageWriteError';
  }
}

const fileErrors: Record<string, string> = {
  ENOSPC: 'no space left',
  EDQUOT: 'no space left',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
};

/** Failures the S3 API reports by name rather than by status alone. */
const s3Denials = new Set(['AccessDenied', 'AllAccessDisabled', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken']);

function summarizeS3Error(error: unknown): string {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  if (name === 'NoSuchBucket') return 'no such bucket';
  if (status === 403 || (name && s3Denials.has(name))) return 'access denied';
  if (status === 404) return 'no such bucket';
  if (status === undefined) return 'unreachable';
  return status >= 500 ? `the storage service failed (HTTP ${status})` : `refused (HTTP ${status})`;
}

/** Where backup files go. A local directory always; other destinations implement the same three calls. */
export interface BackupStorage {
  /** Names the destination in a backup record, so the file is found there even after the configuration changes. */
  readonly name: string;
  put(key: string, bytes: Buffer): Promise<void>;
  /** The bytes, or null when there is no such file. */
  get(key: string): Promise<Buffer | null>;
  remove(key: string): Promise<void>;
}

export class LocalBackupStorage implements BackupStorage {
  readonly name = 'local';

  constructor(private readonly root: string) {}

  private resolve(key: string): string {
    const full = path.resolve(this.root, key);
    if (!full.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`Backup path escapes the backup directory: ${key}`);
    return full;
  }

  // Written to a temporary name and renamed: a crash never leaves a half-written backup under its real name.
  async put(key: string, bytes: Buffer): Promise<void> {
    const target = this.resolve(key);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      const temporary = `${target}.${randomUUID()}.tmp`;
      await writeFile(temporary, bytes);
      await rename(temporary, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      throw new StorageWriteError(fileErrors[code] ?? `file system error${code ? ` (${code})` : ''}`, { cause: error });
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.resolve(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.resolve(key), { force: true });
  }

  /** Temporary files a process killed while writing left behind, once `olderThanMs` old; returns how many went. */
  async removeStaleTemporaryFiles(olderThanMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    let entries: Dirent[];
    try {
      entries = await readdir(this.root, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith('.tmp')) continue;
      const file = path.join(entry.parentPath, entry.name);
      if (now - (await stat(file)).mtimeMs < olderThanMs) continue;
      await rm(file, { force: true });
      removed += 1;
    }
    return removed;
  }
}

/** An `s3` destination of the backup configuration: objects under `prefix` in `bucket`. */
/** The AWS SDK is loaded the first time an s3 destination is used: most gateways never pay its memory and start time. */
let sdk: Promise<typeof import('@aws-sdk/client-s3')> | null = null;
const loadSdk = () => (sdk ??= import('@aws-sdk/client-s3'));

/** One S3 client per region, created on first use. */
type ClientOf = (region: string) => Promise<S3Client>;

export class S3BackupStorage implements BackupStorage {
  readonly name: string;
  private readonly prefix: string;

  constructor(
    private readonly clientOf: ClientOf,
    private readonly bucket: string,
    private readonly region: string,
    prefix: string,
  ) {
    this.prefix = prefix.replace(/^\/+|\/+$/g, '');
    this.name = `s3://${bucket}/${this.prefix}?region=${region}`;
  }

  private key(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  // S3 writes an object whole or not at all, so no temporary name is needed.
  async put(key: string, bytes: Buffer): Promise<void> {
    try {
      const [{ PutObjectCommand }, client] = await Promise.all([loadSdk(), this.clientOf(this.region)]);
      await client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: bytes, ContentType: 'application/octet-stream' }));
    } catch (error) {
      throw new StorageWriteError(summarizeS3Error(error), { cause: error });
    }
  }

  async get(key: string): Promise<Buffer | null> {
    const [{ GetObjectCommand }, client] = await Promise.all([loadSdk(), this.clientOf(this.region)]);
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return null;
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    const [{ DeleteObjectCommand }, client] = await Promise.all([loadSdk(), this.clientOf(this.region)]);
    await client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
  }
}

/**
 * How the gateway reaches S3: the SDK's own credential chain unless keys are given; an endpoint
 * for S3-compatible servers; the buckets tenants may name (BACKUP_S3_BUCKETS, none by default).
 * A destination's credentials_id is stored but not used: there is no credential store yet.
 */
export type S3Settings = {
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  allowedBuckets?: AllowedBuckets;
};

/** Every destination a backup can be written to or read from, by configuration or by a record's name. */
export class BackupStorages {
  private readonly clients = new Map<string, S3Client>();

  constructor(
    readonly local: LocalBackupStorage,
    private readonly s3: S3Settings = {},
  ) {}

  get allowedBuckets(): AllowedBuckets {
    return this.s3.allowedBuckets ?? [];
  }

  private readonly clientOf: ClientOf = async (region) => {
    let client = this.clients.get(region);
    if (!client) {
      const { S3Client } = await loadSdk();
      client =
        this.clients.get(region) ??
        new S3Client({
          region,
          endpoint: this.s3.endpoint,
          forcePathStyle: this.s3.forcePathStyle,
          credentials: this.s3.credentials,
          // S3-compatible servers differ in the newer checksum headers; the file's own SHA-256 guards its integrity.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        });
      this.clients.set(region, client);
    }
    return client;
  };

  /**
   * Where new backups of a tenant go: every configured destination, in order; the local
   * directory when none. Every s3 destination must name an allowed bucket (see destinationViolations).
   */
  forDestinations(tenantId: string, destinations: readonly BackupDestination[]): BackupStorage[] {
    if (destinations.length === 0) return [this.local];
    const storages = destinations.map((destination) =>
      destination.destination_type === 'local'
        ? this.local
        : new S3BackupStorage(this.clientOf, destination.bucket!, destination.region!, tenantObjectPrefix(this.allowedBuckets, destination, tenantId)),
    );
    return storages.filter((storage, index) => storages.findIndex((other) => other.name === storage.name) === index);
  }

  /** The destination a backup record names. */
  byName(name: string): BackupStorage {
    if (name === 'local') return this.local;
    const url = new URL(name);
    if (url.protocol !== 's3:') throw new Error(`Unknown backup destination "${name}"`);
    const region = url.searchParams.get('region') ?? 'us-east-1';
    return new S3BackupStorage(this.clientOf, url.hostname, region, decodeURIComponent(url.pathname));
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}

/** BACKUP_DIR and the S3 settings of the environment. */
export function backupStoragesFrom(
  env: Pick<Environment, 'BACKUP_DIR' | 'S3_ENDPOINT' | 'S3_FORCE_PATH_STYLE' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'BACKUP_S3_BUCKETS'>,
): BackupStorages {
  const credentials =
    env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY } : undefined;
  return new BackupStorages(new LocalBackupStorage(env.BACKUP_DIR), {
    endpoint: env.S3_ENDPOINT,
    forcePathStyle: env.S3_FORCE_PATH_STYLE === 'on',
    credentials,
    allowedBuckets: env.BACKUP_S3_BUCKETS,
  });
}
