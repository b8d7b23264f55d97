import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/**
 * The Tenant Configuration API's data model (seed 000, "Data Models"): one table from
 * which the validation schema, the defaults and the GraphQL types are all derived.
 */
type FieldKind = 'int' | 'boolean' | 'string' | 'stringList' | 'destinations';

export type FieldSpec<K extends FieldKind = FieldKind> = {
  kind: K;
  description: string;
  default: unknown;
  schema: z.ZodType;
  /** What the schema allows, for documents (OpenAPI minimum/maximum, enum). */
  allowed?: { minimum?: number; maximum?: number; enum?: readonly string[] };
};

function int(description: string, label: string, min: number, max: number, fallback: number, tooBig?: string): FieldSpec<'int'> {
  const range = `${label} must be between ${min} and ${max}`;
  return {
    kind: 'int',
    description: `${description} (${min}-${max})`,
    default: fallback,
    allowed: { minimum: min, maximum: max },
    schema: z
      .number({ error: `${label} must be an integer` })
      .int({ error: `${label} must be an integer` })
      .min(min, { error: range })
      .max(max, { error: tooBig ?? range }),
  };
}

function boolean(description: string, fallback: boolean): FieldSpec<'boolean'> {
  return { kind: 'boolean', description, default: fallback, schema: z.boolean({ error: `${description}: must be true or false` }) };
}

function oneOf(description: string, label: string, values: readonly [string, ...string[]], fallback: string): FieldSpec<'string'> {
  return {
    kind: 'string',
    description: `${description}: ${values.join(', ')}`,
    default: fallback,
    allowed: { enum: values },
    schema: z.enum(values, { error: `${label} must be one of ${values.join(', ')}` }),
  };
}

function stringList(description: string, item: z.ZodType<string>): FieldSpec<'stringList'> {
  return { kind: 'stringList', description, default: [], schema: z.array(item).max(100, { error: `${description}: at most 100 entries` }) };
}

const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: (issue) => `"${String(issue.input)}" is not an AWS region name (e.g. us-east-1)` });

const cidr = z.string().refine(
  (value) => {
    try {
      ipaddr.parseCIDR(value);
      return true;
    } catch {
      return false;
    }
  },
  { error: (issue) => `"${String(issue.input)}" is not valid CIDR notation (e.g. 10.0.0.0/8)` },
);

const countryCode = z.string().regex(/^[A-Z]{2}$/, { error: (issue) => `"${String(issue.input)}" is not a country code (two capital letters, or EU)` });

const kmsArn = z
  .string()
  .regex(/^arn:aws(-[a-z]+)*:kms:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:(key\/[0-9a-f-]{36}|alias\/[A-Za-z0-9/_-]{1,250})$/, {
    error: 'KMS key id must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>)',
  })
  .nullable();

export const destinationTypes = ['s3', 'local'] as const;

const destination = z
  .object({
    destination_type: z.enum(destinationTypes, { error: `destination_type must be one of ${destinationTypes.join(', ')}` }),
    bucket: z
      .string()
      .min(3)
      .max(63)
      .regex(/^[a-z0-9][a-z0-9.-]+[a-z0-9]$/, { error: 'bucket must be a valid bucket name' })
      .nullable()
      .default(null),
    region: awsRegion.nullable().default(null),
    path: z.string().max(1024).nullable().default(null),
    credentials_id: z.string().max(128).nullable().default(null),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.destination_type !== 's3') return;
    for (const key of ['bucket', 'region'] as const) {
      if (!value[key]) context.addIssue({ code: 'custom', path: [key], message: `An s3 destination requires ${key}` });
    }
  });

export type BackupDestination = z.infer<typeof destination>;

export const configSpec = {
  performance: {
    cache_size_mb: int('Result cache size in MB', 'Cache size', 0, 100000, 1024, 'Cache size exceeds maximum (100 GB)'),
    max_parallel_workers: int('Maximum parallel query workers', 'Parallel workers', 1, 128, 8),
    enable_query_optimization: boolean('Enable query optimizer', true),
    enable_result_caching: boolean('Enable result caching', true),
    enable_adaptive_indexing: boolean('Enable adaptive indexing', true),
    query_timeout_secs: int('Query timeout in seconds', 'Query timeout', 1, 3600, 300),
    query_memory_limit_mb: int('Per-query memory limit in MB', 'Query memory limit', 256, 65536, 4096),
    collect_query_stats: boolean('Collect query statistics', true),
  },
  security: {
    encryption_at_rest: boolean('Enable encryption at rest', true),
    encryption_in_transit: boolean('Enable encryption in transit', true),
    encryption_algorithm: oneOf('Encryption algorithm', 'Encryption algorithm', ['AES-256-GCM', 'AES-128-GCM'], 'AES-256-GCM'),
    kms_key_id: { kind: 'string' as const, description: 'KMS key ARN', default: null, schema: kmsArn },
    enable_rls: boolean('Enable row-level security', true),
    enable_column_encryption: boolean('Enable column encryption', false),
    password_complexity: int('Password complexity level', 'Password complexity', 1, 5, 3),
    session_timeout_mins: int('Session timeout in minutes', 'Session timeout', 5, 1440, 30),
    require_mfa: boolean('Require multi-factor auth', false),
    allowed_ips: stringList('Allowed IP addresses (CIDR)', cidr),
    enable_audit_log: boolean('Enable audit logging', true),
    audit_retention_days: int('Audit log retention days', 'Audit retention', 1, 3650, 90),
  },
  backup: {
    enabled: boolean('Enable automatic backups', true),
    frequency_hours: int('Backup frequency in hours', 'Backup frequency', 1, 168, 24),
    retention_days: int('Backup retention days', 'Backup retention', 1, 365, 30),
    full_backup_interval: int('Full backup interval (incrementals between full backups)', 'Full backup interval', 1, 30, 7),
    destinations: {
      kind: 'destinations' as const,
      description: 'Backup destinations',
      default: [],
      schema: z.array(destination).max(10, { error: 'At most 10 backup destinations' }),
    },
    enable_pitr: boolean('Enable point-in-time recovery', true),
    pitr_retention_days: int('PITR retention days', 'PITR retention', 1, 30, 7),
    encrypt_backups: boolean('Encrypt backup data', true),
    compress_backups: boolean('Compress backup data', true),
  },
  replication: {
    enabled: boolean('Enable replication', false),
    mode: oneOf('Replication mode', 'Replication mode', ['async', 'sync', 'semi-sync'], 'async'),
    regions: stringList('Target regions (AWS regions)', awsRegion),
    consistency_level: oneOf('Consistency level', 'Consistency level', ['eventual', 'read_after_write', 'strong'], 'eventual'),
    max_lag_seconds: int('Max replication lag in seconds', 'Max replication lag', 1, 300, 60),
    enable_auto_failover: boolean('Enable automatic failover', true),
    failover_priority: stringList('Failover priority order (region names)', awsRegion),
  },
  compliance: {
    gdpr: boolean('Enable GDPR compliance', false),
    hipaa: boolean('Enable HIPAA compliance', false),
    soc2: boolean('Enable SOC2 compliance', false),
    pci_dss: boolean('Enable PCI-DSS compliance', false),
    data_residency: stringList('Data residency requirements (country codes, EU)', countryCode),
    enable_retention_policies: boolean('Enable retention policies', false),
    default_retention_days: int('Default retention period in days', 'Default retention', 1, 3650, 365),
    enable_anonymization: boolean('Enable data anonymization', false),
    enable_rtbf: boolean('Enable right-to-be-forgotten', false),
  },
} satisfies Record<string, Record<string, FieldSpec>>;

export type ConfigCategory = keyof typeof configSpec;
export const configCategories = Object.keys(configSpec) as ConfigCategory[];

export type CustomValue = string | number | boolean;
export const customSettingValue = z.union([z.string().max(1024), z.number().finite(), z.boolean()], {
  error: 'custom_settings values must be strings (at most 1024 characters), numbers or booleans',
});
export const customSettingKey = /^[A-Za-z0-9_.-]{1,64}$/;
export const maxCustomSettings = 100;

type CategoryDocument<C extends ConfigCategory> = {
  [K in keyof (typeof configSpec)[C]]: (typeof configSpec)[C][K] extends { kind: 'int' }
    ? number
    : (typeof configSpec)[C][K] extends { kind: 'boolean' }
      ? boolean
      : (typeof configSpec)[C][K] extends { kind: 'stringList' }
        ? string[]
        : (typeof configSpec)[C][K] extends { kind: 'destinations' }
          ? BackupDestination[]
          : K extends 'kms_key_id'
            ? string | null
            : string;
};

/** A tenant's whole configuration in the seed's snake_case shape, as stored and as served. */
export type ConfigDocument = { [C in ConfigCategory]: CategoryDocument<C> } & {
  custom_settings: Record<string, CustomValue>;
};

export function defaultConfig(): ConfigDocument {
  const document = Object.fromEntries(
    configCategories.map((category) => [
      category,
      Object.fromEntries(Object.entries(configSpec[category]).map(([key, field]) => [key, structuredClone(field.default)])),
    ]),
  );
  return { ...document, custom_settings: {} } as ConfigDocument;
}
