-- The squashed baseline: what the migrations below, applied in order to an empty database,
-- make of it (pg_dump --schema-only). A fresh database gets this in one script and records
-- them all as applied; older databases upgrade through prisma/migrations as before.
-- Written by `npm run db:baseline`: do not edit. test/migration-baseline.test.ts checks it.
-- migration: 20261124000000_init 91a6178b892384141e4e16bdaa3c1a27d21ed0aefcfec87b715e13c446de3a13
-- migration: 20261124194835_usage_and_limits 3732e5e2e394f5728a976a6926702da53d9f8edf3fe6c12e5b7bc75919113c01
-- migration: 20261124203542_backups 1e523a906d5d273ae77717c7ddba11247d91efe7f3d6e1be52a1a9e58b421304
-- migration: 20261124205002_tenant_recoveries 4eb6ab662d14493d44aa0019f2c82e30fc2fdfa8c48c188d378931a6c1526bf7
-- migration: 20261124210112_restore_status c0cedbd3fb56c206ed2a821e9d231cd38c0fb1054d2ff8cf56c1b601722785b9
-- migration: 20261124213553_tenant_databases_and_backup_chains 82d6f2e473e8b3be688ddaba51f84a5349adb6c2254cdddd0c2d4a58ce46c186
-- migration: 20261124220205_backup_copies ea035ea1d0422f654b79f18e812b50de954f4ca276fca7423479ff39af872594
-- migration: 20261129053312_custom_domains 10b99496611aad7a0131b1ed2656af3e0cd825268b0e3716448a9793d1e09194
-- migration: 20261129053746_tenant_default_domain d6a8acb5fd6820d19a11d0d51fb1315e9a894fb49d7ccc142b2711ae95dc7734
-- migration: 20261129053848_tenant_secrets 541138fed0bf79100d549f117c8bb5028fffd53590f7890024609c4c63533079
-- migration: 20261129054111_regional_deployments 5fa271d40a9d039abe7411bbeab7aca9f7efc28e69be5af992030c35ccd84274
-- migration: 20261129054303_control_core_tenants_and_documents a6eac36e5c132cbda15a011a510a2649c74e2537743b42ae763a866e281529e7
-- migration: 20261129054917_gateway_config a5c2d64ea62a97b0dc1ea79f080ba33cf46c87b3dca072f1e21c8c9dbc9599ce
-- migration: 20261129055504_document_limit_alerts 64ace1cfd76dd1847f85b1bec97167e75a64bad520486046143bb46bc606f032
-- migration: 20261129055655_billing_profiles fb6d19f1f69638b56ba55d5332929094aea60af447c5542f9abe6a2593eba758
-- migration: 20261129060610_tenant_rbac 005d9ab12d608ee2543dd7ff22ac6627e1cff02215a69ff28e847461ca52374c
-- migration: 20261129061429_audit_events add5619219f5e5dd7f10898db45fc1341e449a760bb696363329892432f0b528
-- migration: 20261129062710_webhook_outbox 084699d56f3926ae322415b30f7d0c7cf88435eb1382842d0a19d3e389c438dd
-- migration: 20261129063000_customers_and_sessions 449874571a94b00072b64c9913b71ceb38314b27694bbad9d545a576e0140200
-- migration: 20261129082336_tenant_query_logs b9ae162693807a744906ad4993ed83d5de6e473e665be9b89add521ede0e144d
-- migration: 20261129082534_tenant_slug_per_project 2d7001938e5be5cb83eb496c74175fbf650477998e36b4322c47fcd04578f583
-- migration: 20261129082626_data_plane e8a68c290a5f6685884ac1c7ae4dcf12637c856efbb299204e48b4b002fb1400
-- migration: 20261129082733_secret_versions c6a002277f4acc9b651da0a69e06e1cb8f348ec5bf9856a5d278c445fc9cef34
-- migration: 20261129083527_schema_rollouts 24c84f8de22382d48c0d9816145b1785f1e9e072f945ab7289f907da826573c2
-- migration: 20261129092858_tenant_restore_jobs be963b9a137075a7a3f7bfec9431c01bad58580dc4b21f24912e1450885593ba
-- migration: 20261129093000_rollout_requester c881fbce2c3ff02e2361fd2d677e6916161a6b36c57cf8514b12325b9619b705
-- migration: 20261129114220_backup_jobs 241962b43d9fbb598fee6d762a5099c4c029344ad3a1f6a0ac5b73b28185834a
-- migration: 20261205185959_data_plane_apart 6b3167e3b4902edd28414fe8e258fa2cc600661be85a7135c43f1d893f37c01c
-- migration: 20261205210121_backup_file_keys 36d81ff8cb43b9bf20b89062c8728d155e2350e69bca7875679bd4cb6bc188a4
-- migration: 20261205210357_jobs e4e2046bd9e581446e804934a75ed76b17539d29b38be33797c1d5f9d40a41fe
-- migration: 20261206021030_database_proxy 3effe7b593e6ca823feb83edfed4d64fae16841e590d76ab061fd53ae21ad342
-- migration: 20261206043332_tenant_database_moves a6377997df4b60a2a059d676879ed41922b403fd9638efd415302f32e14046c8
-- migration: 20261206083536_recovery_original_host 0928904408616f4b60a5e6937874af9e7e560579877decf317e774bcad084728
-- migration: 20261206105837_backup_files 9b024945eaab460d1095f8bbb56848db5dd840771df44bba41d8779b77f1d5a8
-- migration: 20261206143000_change_feed 1f4d054aa8f73a8f9231bcec77a405e07c60f25eaecabf38206a1c35babf326e
-- migration: 20261207105800_job_traceparent b827b953b092bb859fddbc09e52c981257a5118114616892f217f9a528894f12
-- migration: 20261207110000_job_progress_feed d0fb742009ce2f001bd3a96bd338b5ec827a8a4ec306487cd53ea881c345443d
-- migration: 20261207180000_api_key_change_names_key 948f485b2be166e75454a2a0bcdc147a94179ede1c5414692b1c75e96c47eaf5

--
-- PostgreSQL database dump
--

-- Dumped from database version 17.5
-- Dumped by pg_dump version 17.5

--
-- Name: AlertLevel; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."AlertLevel" AS ENUM (
    'WARNING',
    'CRITICAL'
);

--
-- Name: AlertStatus; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."AlertStatus" AS ENUM (
    'ACTIVE',
    'RESOLVED'
);

--
-- Name: ApiKeyOwner; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."ApiKeyOwner" AS ENUM (
    'GLOBAL',
    'PROJECT',
    'TENANT'
);

--
-- Name: BackupJobKind; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."BackupJobKind" AS ENUM (
    'BACKUP',
    'ROLLBACK',
    'RECOVERY',
    'RECOVERY_UNDO'
);

--
-- Name: BackupJobStatus; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."BackupJobStatus" AS ENUM (
    'PENDING',
    'RUNNING',
    'COMPLETED',
    'FAILED'
);

--
-- Name: BackupKind; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."BackupKind" AS ENUM (
    'FULL',
    'INCREMENTAL'
);

--
-- Name: BackupStatus; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."BackupStatus" AS ENUM (
    'PENDING',
    'RUNNING',
    'COMPLETED',
    'FAILED'
);

--
-- Name: BackupTrigger; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."BackupTrigger" AS ENUM (
    'MANUAL',
    'SCHEDULED',
    'SAFETY'
);

--
-- Name: DatabaseStatus; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."DatabaseStatus" AS ENUM (
    'PROVISIONING',
    'READY',
    'SYNCING',
    'MIGRATING'
);

--
-- Name: DeploymentPhase; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."DeploymentPhase" AS ENUM (
    'SCHEDULED',
    'DATABASE_MIGRATION',
    'DNS_UPDATE',
    'SSL_SETUP',
    'DONE'
);

--
-- Name: DeploymentStatus; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."DeploymentStatus" AS ENUM (
    'IN_PROGRESS',
    'COMPLETED'
);

--
-- Name: DocumentKind; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."DocumentKind" AS ENUM (
    'POLICY',
    'RESOURCE',
    'BOUNCER'
);

--
-- Name: GateAction; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."GateAction" AS ENUM (
    'BLOCK',
    'WARN'
);

--
-- Name: IsolationLevel; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."IsolationLevel" AS ENUM (
    'SHARED',
    'DEDICATED'
);

--
-- Name: JobStatus; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."JobStatus" AS ENUM (
    'WAITING',
    'RUNNING',
    'FAILED'
);

--
-- Name: LimitPeriod; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."LimitPeriod" AS ENUM (
    'MINUTE',
    'HOUR',
    'DAY',
    'MONTH'
);

--
-- Name: PlanTier; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."PlanTier" AS ENUM (
    'FREE',
    'BASIC',
    'PRO',
    'ENTERPRISE'
);

--
-- Name: PolicyMode; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."PolicyMode" AS ENUM (
    'ACTIVE',
    'SANDBOX'
);

--
-- Name: QuerySource; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."QuerySource" AS ENUM (
    'API',
    'PROXY'
);

--
-- Name: SchemaChangeStatus; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."SchemaChangeStatus" AS ENUM (
    'PENDING',
    'DEPLOYED',
    'REVERTED'
);

--
-- Name: SchemaRolloutStatus; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."SchemaRolloutStatus" AS ENUM (
    'PENDING',
    'IN_PROGRESS',
    'COMPLETED',
    'PARTIAL',
    'FAILED'
);

--
-- Name: SchemaRolloutTargetStatus; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."SchemaRolloutTargetStatus" AS ENUM (
    'PENDING',
    'COMPLETED',
    'FAILED'
);

--
-- Name: TenantStatus; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."TenantStatus" AS ENUM (
    'ACTIVE',
    'SUSPENDED',
    'DELETED',
    'RESTORING',
    'RECOVERING'
);

--
-- Name: WebhookDeliveryStatus; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."WebhookDeliveryStatus" AS ENUM (
    'PENDING',
    'DELIVERED',
    'FAILED'
);

--
-- Name: WorkspaceMode; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."WorkspaceMode" AS ENUM (
    'TENANT',
    'CONTROL'
);

--
-- Name: gateway_announce_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.gateway_announce_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  changed jsonb := to_jsonb(COALESCE(NEW, OLD));
  tenant text := CASE WHEN TG_ARGV[0] = '*' THEN NULL ELSE changed ->> TG_ARGV[0] END;
  named text := CASE WHEN TG_NARGS > 1 THEN COALESCE(' ' || (changed ->> TG_ARGV[1]), '') ELSE '' END;
BEGIN
  PERFORM pg_notify('gateway_changes', TG_TABLE_NAME || ' ' || COALESCE(tenant, '*') || ' ' || TG_OP || named);
  IF TG_OP = 'UPDATE' AND TG_ARGV[0] <> '*' AND (to_jsonb(OLD) ->> TG_ARGV[0]) IS DISTINCT FROM tenant THEN
    PERFORM pg_notify('gateway_changes', TG_TABLE_NAME || ' ' || COALESCE(to_jsonb(OLD) ->> TG_ARGV[0], '*') || ' ' || TG_OP || named);
  END IF;
  RETURN NULL;
END
$$;

--
-- Name: ApiCallStat; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."ApiCallStat" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    hour timestamp(3) without time zone NOT NULL,
    endpoint text NOT NULL,
    calls integer NOT NULL,
    failures integer NOT NULL,
    "latencyMsSum" double precision NOT NULL,
    "latencyBuckets" integer[]
);

--
-- Name: ApiKey; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."ApiKey" (
    id uuid NOT NULL,
    name text NOT NULL,
    prefix text NOT NULL,
    "secretHash" text NOT NULL,
    scopes text[],
    owner public."ApiKeyOwner" NOT NULL,
    "projectId" uuid,
    "tenantId" uuid,
    "createdBy" text NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "expiresAt" timestamp(3) without time zone,
    "revokedAt" timestamp(3) without time zone,
    "lastUsedAt" timestamp(3) without time zone,
    session boolean DEFAULT false NOT NULL
);

--
-- Name: AuditEvent; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."AuditEvent" (
    id uuid NOT NULL,
    "tenantId" uuid,
    actor text NOT NULL,
    "actorId" text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    changes jsonb NOT NULL,
    "requestId" text,
    "clientAddress" text,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: BackupFile; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."BackupFile" (
    id uuid NOT NULL,
    "backupId" uuid NOT NULL,
    blueprint text NOT NULL,
    "databaseType" text DEFAULT 'postgresql'::text NOT NULL,
    "storagePath" text NOT NULL,
    "sizeBytes" integer,
    checksum text
);

--
-- Name: BackupJob; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."BackupJob" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    "backupId" uuid NOT NULL,
    "safetyBackupId" uuid,
    status public."BackupJobStatus" DEFAULT 'PENDING'::public."BackupJobStatus" NOT NULL,
    error text,
    "actorId" text NOT NULL,
    "actorLabel" text NOT NULL,
    "requestId" text,
    "clientAddress" text,
    attempts integer DEFAULT 0 NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "startedAt" timestamp(3) without time zone,
    "completedAt" timestamp(3) without time zone,
    kind public."BackupJobKind" NOT NULL,
    "targetTimestamp" timestamp(3) without time zone,
    "recoveryId" uuid
);

--
-- Name: BackupRecord; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."BackupRecord" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    trigger public."BackupTrigger" DEFAULT 'MANUAL'::public."BackupTrigger" NOT NULL,
    kind public."BackupKind" DEFAULT 'FULL'::public."BackupKind" NOT NULL,
    status public."BackupStatus" DEFAULT 'PENDING'::public."BackupStatus" NOT NULL,
    "failureReason" text,
    destination text DEFAULT 'local'::text NOT NULL,
    "storagePath" text,
    "sizeBytes" integer,
    checksum text,
    "formatVersion" integer DEFAULT 1 NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "completedAt" timestamp(3) without time zone,
    "baseBackupId" uuid,
    compressed boolean DEFAULT true NOT NULL,
    encrypted boolean DEFAULT false NOT NULL,
    copies text[] DEFAULT ARRAY[]::text[],
    "wrappedFileKey" bytea
);

--
-- Name: BillingProfile; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."BillingProfile" (
    "tenantId" uuid NOT NULL,
    "paymentMethod" text,
    "billingAddress" jsonb,
    "updatedAt" timestamp(3) without time zone NOT NULL
);

--
-- Name: Blueprint; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."Blueprint" (
    id uuid NOT NULL,
    "projectId" uuid NOT NULL,
    name text NOT NULL,
    "databaseType" text DEFAULT 'PostgreSQL'::text NOT NULL,
    "workspaceId" uuid NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: BlueprintVersion; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."BlueprintVersion" (
    id uuid NOT NULL,
    "blueprintId" uuid NOT NULL,
    number integer NOT NULL,
    statements text[],
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "deployedAt" timestamp(3) without time zone
);

--
-- Name: CustomDomain; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."CustomDomain" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    domain text NOT NULL,
    "certificatePem" text NOT NULL,
    "sealedPrivateKey" bytea NOT NULL,
    "certificateNotAfter" timestamp(3) without time zone NOT NULL,
    "verificationToken" text NOT NULL,
    "verifiedDomain" text,
    "verifiedAt" timestamp(3) without time zone,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "updatedAt" timestamp(3) without time zone NOT NULL
);

--
-- Name: Customer; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."Customer" (
    id uuid NOT NULL,
    email text NOT NULL,
    "passwordHash" text NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: DataPlacement; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."DataPlacement" (
    id uuid NOT NULL,
    "databaseId" uuid NOT NULL,
    "schemaName" text NOT NULL,
    "roleName" text NOT NULL,
    "passwordSealed" bytea NOT NULL,
    "readyAt" timestamp(3) without time zone,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: DataPlaneDatabase; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."DataPlaneDatabase" (
    id uuid NOT NULL,
    "projectId" uuid NOT NULL,
    server text NOT NULL,
    name text NOT NULL,
    "readyAt" timestamp(3) without time zone,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    dedicated boolean DEFAULT false NOT NULL
);

--
-- Name: DocumentLimitAlert; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."DocumentLimitAlert" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    kind public."DocumentKind" NOT NULL,
    level public."AlertLevel" NOT NULL,
    used integer NOT NULL,
    "limit" integer NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "resolvedAt" timestamp(3) without time zone
);

--
-- Name: Job; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."Job" (
    id uuid NOT NULL,
    kind text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    "serialKey" text,
    "uniqueKey" text,
    revision integer DEFAULT 0 NOT NULL,
    status public."JobStatus" DEFAULT 'WAITING'::public."JobStatus" NOT NULL,
    "runAt" timestamp(3) without time zone NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    "leaseToken" uuid,
    "leaseUntil" timestamp(3) without time zone,
    "lastError" text,
    "createdAt" timestamp(3) without time zone NOT NULL,
    "updatedAt" timestamp(3) without time zone NOT NULL,
    traceparent text
);

--
-- Name: Project; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."Project" (
    id uuid NOT NULL,
    slug text NOT NULL,
    name text NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    tier public."PlanTier" DEFAULT 'FREE'::public."PlanTier" NOT NULL,
    "customerId" uuid,
    "proxyPasswordSealed" bytea
);

--
-- Name: ProxyTlsIdentity; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."ProxyTlsIdentity" (
    id text NOT NULL,
    "certificatePem" text NOT NULL,
    "keySealed" bytea NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: ResourceLimit; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."ResourceLimit" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    resource text NOT NULL,
    metric text NOT NULL,
    period public."LimitPeriod" NOT NULL,
    "limit" double precision NOT NULL,
    tiers jsonb DEFAULT '{}'::jsonb NOT NULL,
    "gateAction" public."GateAction" DEFAULT 'BLOCK'::public."GateAction" NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "updatedAt" timestamp(3) without time zone NOT NULL
);

--
-- Name: SchemaChange; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."SchemaChange" (
    id integer NOT NULL,
    "workspaceId" uuid NOT NULL,
    statement text NOT NULL,
    "reverseStatement" text,
    status public."SchemaChangeStatus" DEFAULT 'PENDING'::public."SchemaChangeStatus" NOT NULL,
    "position" integer NOT NULL,
    "versionId" uuid,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "updatedAt" timestamp(3) without time zone NOT NULL
);

--
-- Name: SchemaChange_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public."SchemaChange_id_seq"
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: SchemaChange_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public."SchemaChange_id_seq" OWNED BY public."SchemaChange".id;

--
-- Name: SchemaRollout; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."SchemaRollout" (
    id uuid NOT NULL,
    "projectId" uuid NOT NULL,
    blueprint text NOT NULL,
    version integer NOT NULL,
    status public."SchemaRolloutStatus" DEFAULT 'PENDING'::public."SchemaRolloutStatus" NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "startedAt" timestamp(3) without time zone,
    "completedAt" timestamp(3) without time zone,
    "clientAddress" text,
    "requestId" text,
    "requestedBy" text,
    "requestedById" text
);

--
-- Name: SchemaRolloutTarget; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."SchemaRolloutTarget" (
    id uuid NOT NULL,
    "rolloutId" uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    "position" integer NOT NULL,
    status public."SchemaRolloutTargetStatus" DEFAULT 'PENDING'::public."SchemaRolloutTargetStatus" NOT NULL,
    "durationMs" integer,
    error text,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "completedAt" timestamp(3) without time zone
);

--
-- Name: Tenant; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."Tenant" (
    id uuid NOT NULL,
    slug text NOT NULL,
    name text NOT NULL,
    tier public."PlanTier" DEFAULT 'FREE'::public."PlanTier" NOT NULL,
    region text NOT NULL,
    isolation public."IsolationLevel" DEFAULT 'SHARED'::public."IsolationLevel" NOT NULL,
    status public."TenantStatus" DEFAULT 'ACTIVE'::public."TenantStatus" NOT NULL,
    "statusBeforeDeletion" public."TenantStatus",
    settings jsonb DEFAULT '{}'::jsonb NOT NULL,
    "maxUsers" integer NOT NULL,
    "maxApiCallsPerMonth" integer NOT NULL,
    "maxStorageMb" integer NOT NULL,
    "projectId" uuid,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "updatedAt" timestamp(3) without time zone NOT NULL,
    "expiresAt" timestamp(3) without time zone,
    "suspendedAt" timestamp(3) without time zone,
    "deletedAt" timestamp(3) without time zone,
    "maxLlmTokensPerMonth" integer DEFAULT 100000 NOT NULL,
    "statusBeforeRestore" public."TenantStatus",
    domain text,
    "customDomain" text,
    "maxBouncers" integer DEFAULT 5 NOT NULL,
    "maxPolicies" integer DEFAULT 100 NOT NULL
);

--
-- Name: TenantConfig; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantConfig" (
    "tenantId" uuid NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    document jsonb NOT NULL,
    "updatedBy" text NOT NULL,
    "updatedAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: TenantConfigRevision; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantConfigRevision" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    version integer NOT NULL,
    principal text NOT NULL,
    "updatedFields" text[],
    document jsonb NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    kind text DEFAULT 'config'::text NOT NULL
);

--
-- Name: TenantDataKey; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantDataKey" (
    "tenantId" uuid NOT NULL,
    "wrappedKey" bytea NOT NULL,
    "wrappedBy" text NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "rotatedAt" timestamp(3) without time zone
);

--
-- Name: TenantDatabase; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantDatabase" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    blueprint text NOT NULL,
    "databaseType" text DEFAULT 'PostgreSQL'::text NOT NULL,
    isolation public."IsolationLevel" NOT NULL,
    region text NOT NULL,
    status public."DatabaseStatus" NOT NULL,
    "phaseEndsAt" timestamp(3) without time zone,
    "targetIsolation" public."IsolationLevel",
    "targetRegion" text,
    version integer DEFAULT 1 NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "updatedAt" timestamp(3) without time zone NOT NULL,
    "blueprintId" uuid,
    "legacySchemaName" text,
    "schemaVersion" integer DEFAULT 0 NOT NULL,
    "placementId" uuid,
    "movedFromPlacementId" uuid,
    "movingToPlacementId" uuid
);

--
-- Name: TenantDeployment; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantDeployment" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    "fromRegion" text NOT NULL,
    region text NOT NULL,
    "migrateData" boolean NOT NULL,
    "maintenanceWindow" timestamp(3) without time zone,
    status public."DeploymentStatus" DEFAULT 'IN_PROGRESS'::public."DeploymentStatus" NOT NULL,
    phase public."DeploymentPhase" NOT NULL,
    "phaseEndsAt" timestamp(3) without time zone,
    "runningTenantId" uuid,
    "safetyBackupPath" text,
    "startedAt" timestamp(3) without time zone NOT NULL,
    "estimatedCompletion" timestamp(3) without time zone NOT NULL,
    "completedAt" timestamp(3) without time zone,
    "newDomain" text,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: TenantDocument; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantDocument" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    kind public."DocumentKind" NOT NULL,
    name text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    spec jsonb DEFAULT '{}'::jsonb NOT NULL,
    mode public."PolicyMode",
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "updatedAt" timestamp(3) without time zone NOT NULL
);

--
-- Name: TenantFeature; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantFeature" (
    "tenantId" uuid NOT NULL,
    feature text NOT NULL,
    enabled boolean NOT NULL,
    "updatedAt" timestamp(3) without time zone NOT NULL
);

--
-- Name: TenantGatewayConfig; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantGatewayConfig" (
    "tenantId" uuid NOT NULL,
    version integer DEFAULT 0 NOT NULL,
    document jsonb NOT NULL,
    "quotaPerMinute" integer,
    "updatedBy" text NOT NULL,
    "updatedAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: TenantQueryLog; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantQueryLog" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    source public."QuerySource" NOT NULL,
    blueprint text NOT NULL,
    query text NOT NULL,
    success boolean NOT NULL,
    "durationMs" double precision NOT NULL,
    error text,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    rows integer
);

--
-- Name: TenantRbac; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantRbac" (
    "tenantId" uuid NOT NULL,
    document jsonb NOT NULL,
    "updatedBy" text NOT NULL,
    "updatedAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: TenantRecovery; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantRecovery" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    "targetTimestamp" timestamp(3) without time zone NOT NULL,
    "safetyPath" text NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "expiresAt" timestamp(3) without time zone NOT NULL,
    "undoneAt" timestamp(3) without time zone,
    "originalHost" text
);

--
-- Name: TenantSecret; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantSecret" (
    "tenantId" uuid NOT NULL,
    name text NOT NULL,
    sealed bytea NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "updatedAt" timestamp(3) without time zone NOT NULL
);

--
-- Name: TenantSecretVersion; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."TenantSecretVersion" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    name text NOT NULL,
    sealed bytea NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: UsageAlert; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."UsageAlert" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    "limitId" uuid NOT NULL,
    "userId" text,
    level public."AlertLevel" NOT NULL,
    status public."AlertStatus" DEFAULT 'ACTIVE'::public."AlertStatus" NOT NULL,
    current double precision NOT NULL,
    threshold double precision NOT NULL,
    percentage double precision NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "resolvedAt" timestamp(3) without time zone
);

--
-- Name: UsageRecord; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."UsageRecord" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    resource text NOT NULL,
    metric text NOT NULL,
    "userId" text,
    amount double precision NOT NULL,
    "idempotencyKey" text,
    "recordedAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: WebhookDelivery; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."WebhookDelivery" (
    id uuid NOT NULL,
    "tenantId" uuid NOT NULL,
    event text NOT NULL,
    url text NOT NULL,
    "sealedSecret" text,
    payload jsonb NOT NULL,
    status public."WebhookDeliveryStatus" DEFAULT 'PENDING'::public."WebhookDeliveryStatus" NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    "attemptLog" jsonb DEFAULT '[]'::jsonb NOT NULL,
    "lastError" text,
    "nextAttemptAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "deliveredAt" timestamp(3) without time zone
);

--
-- Name: Workspace; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."Workspace" (
    id uuid NOT NULL,
    "projectId" uuid NOT NULL,
    name text NOT NULL,
    mode public."WorkspaceMode" NOT NULL,
    "databaseType" text DEFAULT 'PostgreSQL'::text NOT NULL,
    "legacySchemaName" text,
    "connectionUser" text NOT NULL,
    "passwordSealed" bytea NOT NULL,
    "queryTimeoutMs" integer DEFAULT 30000 NOT NULL,
    "maxRowsPerQuery" integer DEFAULT 10000 NOT NULL,
    "maxConnections" integer DEFAULT 100 NOT NULL,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    "updatedAt" timestamp(3) without time zone NOT NULL,
    "placementId" uuid
);

--
-- Name: _prisma_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public._prisma_migrations (
    id character varying(36) NOT NULL,
    checksum character varying(64) NOT NULL,
    finished_at timestamp with time zone,
    migration_name character varying(255) NOT NULL,
    logs text,
    rolled_back_at timestamp with time zone,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    applied_steps_count integer DEFAULT 0 NOT NULL
);

--
-- Name: SchemaChange id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."SchemaChange" ALTER COLUMN id SET DEFAULT nextval('public."SchemaChange_id_seq"'::regclass);

--
-- Name: ApiCallStat ApiCallStat_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."ApiCallStat"
    ADD CONSTRAINT "ApiCallStat_pkey" PRIMARY KEY (id);

--
-- Name: ApiKey ApiKey_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."ApiKey"
    ADD CONSTRAINT "ApiKey_pkey" PRIMARY KEY (id);

--
-- Name: AuditEvent AuditEvent_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."AuditEvent"
    ADD CONSTRAINT "AuditEvent_pkey" PRIMARY KEY (id);

--
-- Name: BackupFile BackupFile_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."BackupFile"
    ADD CONSTRAINT "BackupFile_pkey" PRIMARY KEY (id);

--
-- Name: BackupJob BackupJob_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."BackupJob"
    ADD CONSTRAINT "BackupJob_pkey" PRIMARY KEY (id);

--
-- Name: BackupRecord BackupRecord_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."BackupRecord"
    ADD CONSTRAINT "BackupRecord_pkey" PRIMARY KEY (id);

--
-- Name: BillingProfile BillingProfile_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."BillingProfile"
    ADD CONSTRAINT "BillingProfile_pkey" PRIMARY KEY ("tenantId");

--
-- Name: BlueprintVersion BlueprintVersion_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."BlueprintVersion"
    ADD CONSTRAINT "BlueprintVersion_pkey" PRIMARY KEY (id);

--
-- Name: Blueprint Blueprint_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Blueprint"
    ADD CONSTRAINT "Blueprint_pkey" PRIMARY KEY (id);

--
-- Name: CustomDomain CustomDomain_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."CustomDomain"
    ADD CONSTRAINT "CustomDomain_pkey" PRIMARY KEY (id);

--
-- Name: Customer Customer_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Customer"
    ADD CONSTRAINT "Customer_pkey" PRIMARY KEY (id);

--
-- Name: DataPlacement DataPlacement_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."DataPlacement"
    ADD CONSTRAINT "DataPlacement_pkey" PRIMARY KEY (id);

--
-- Name: DataPlaneDatabase DataPlaneDatabase_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."DataPlaneDatabase"
    ADD CONSTRAINT "DataPlaneDatabase_pkey" PRIMARY KEY (id);

--
-- Name: DocumentLimitAlert DocumentLimitAlert_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."DocumentLimitAlert"
    ADD CONSTRAINT "DocumentLimitAlert_pkey" PRIMARY KEY (id);

--
-- Name: Job Job_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Job"
    ADD CONSTRAINT "Job_pkey" PRIMARY KEY (id);

--
-- Name: Project Project_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Project"
    ADD CONSTRAINT "Project_pkey" PRIMARY KEY (id);

--
-- Name: ProxyTlsIdentity ProxyTlsIdentity_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."ProxyTlsIdentity"
    ADD CONSTRAINT "ProxyTlsIdentity_pkey" PRIMARY KEY (id);

--
-- Name: ResourceLimit ResourceLimit_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."ResourceLimit"
    ADD CONSTRAINT "ResourceLimit_pkey" PRIMARY KEY (id);

--
-- Name: SchemaChange SchemaChange_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."SchemaChange"
    ADD CONSTRAINT "SchemaChange_pkey" PRIMARY KEY (id);

--
-- Name: SchemaRolloutTarget SchemaRolloutTarget_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."SchemaRolloutTarget"
    ADD CONSTRAINT "SchemaRolloutTarget_pkey" PRIMARY KEY (id);

--
-- Name: SchemaRollout SchemaRollout_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."SchemaRollout"
    ADD CONSTRAINT "SchemaRollout_pkey" PRIMARY KEY (id);

--
-- Name: TenantConfigRevision TenantConfigRevision_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantConfigRevision"
    ADD CONSTRAINT "TenantConfigRevision_pkey" PRIMARY KEY (id);

--
-- Name: TenantConfig TenantConfig_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantConfig"
    ADD CONSTRAINT "TenantConfig_pkey" PRIMARY KEY ("tenantId");

--
-- Name: TenantDataKey TenantDataKey_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantDataKey"
    ADD CONSTRAINT "TenantDataKey_pkey" PRIMARY KEY ("tenantId");

--
-- Name: TenantDatabase TenantDatabase_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantDatabase"
    ADD CONSTRAINT "TenantDatabase_pkey" PRIMARY KEY (id);

--
-- Name: TenantDeployment TenantDeployment_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantDeployment"
    ADD CONSTRAINT "TenantDeployment_pkey" PRIMARY KEY (id);

--
-- Name: TenantDocument TenantDocument_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantDocument"
    ADD CONSTRAINT "TenantDocument_pkey" PRIMARY KEY (id);

--
-- Name: TenantFeature TenantFeature_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantFeature"
    ADD CONSTRAINT "TenantFeature_pkey" PRIMARY KEY ("tenantId", feature);

--
-- Name: TenantGatewayConfig TenantGatewayConfig_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantGatewayConfig"
    ADD CONSTRAINT "TenantGatewayConfig_pkey" PRIMARY KEY ("tenantId");

--
-- Name: TenantQueryLog TenantQueryLog_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantQueryLog"
    ADD CONSTRAINT "TenantQueryLog_pkey" PRIMARY KEY (id);

--
-- Name: TenantRbac TenantRbac_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantRbac"
    ADD CONSTRAINT "TenantRbac_pkey" PRIMARY KEY ("tenantId");

--
-- Name: TenantRecovery TenantRecovery_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantRecovery"
    ADD CONSTRAINT "TenantRecovery_pkey" PRIMARY KEY (id);

--
-- Name: TenantSecretVersion TenantSecretVersion_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantSecretVersion"
    ADD CONSTRAINT "TenantSecretVersion_pkey" PRIMARY KEY (id);

--
-- Name: TenantSecret TenantSecret_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantSecret"
    ADD CONSTRAINT "TenantSecret_pkey" PRIMARY KEY ("tenantId", name);

--
-- Name: Tenant Tenant_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Tenant"
    ADD CONSTRAINT "Tenant_pkey" PRIMARY KEY (id);

--
-- Name: UsageAlert UsageAlert_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."UsageAlert"
    ADD CONSTRAINT "UsageAlert_pkey" PRIMARY KEY (id);

--
-- Name: UsageRecord UsageRecord_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."UsageRecord"
    ADD CONSTRAINT "UsageRecord_pkey" PRIMARY KEY (id);

--
-- Name: WebhookDelivery WebhookDelivery_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."WebhookDelivery"
    ADD CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY (id);

--
-- Name: Workspace Workspace_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Workspace"
    ADD CONSTRAINT "Workspace_pkey" PRIMARY KEY (id);

--
-- Name: _prisma_migrations _prisma_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public._prisma_migrations
    ADD CONSTRAINT _prisma_migrations_pkey PRIMARY KEY (id);

--
-- Name: ApiCallStat_tenantId_hour_endpoint_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "ApiCallStat_tenantId_hour_endpoint_key" ON public."ApiCallStat" USING btree ("tenantId", hour, endpoint);

--
-- Name: ApiKey_prefix_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "ApiKey_prefix_key" ON public."ApiKey" USING btree (prefix);

--
-- Name: ApiKey_projectId_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "ApiKey_projectId_idx" ON public."ApiKey" USING btree ("projectId");

--
-- Name: ApiKey_secretHash_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "ApiKey_secretHash_key" ON public."ApiKey" USING btree ("secretHash");

--
-- Name: ApiKey_tenantId_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "ApiKey_tenantId_idx" ON public."ApiKey" USING btree ("tenantId");

--
-- Name: AuditEvent_createdAt_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "AuditEvent_createdAt_id_idx" ON public."AuditEvent" USING btree ("createdAt", id);

--
-- Name: AuditEvent_tenantId_createdAt_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "AuditEvent_tenantId_createdAt_id_idx" ON public."AuditEvent" USING btree ("tenantId", "createdAt", id);

--
-- Name: BackupFile_backupId_blueprint_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "BackupFile_backupId_blueprint_key" ON public."BackupFile" USING btree ("backupId", blueprint);

--
-- Name: BackupFile_storagePath_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "BackupFile_storagePath_key" ON public."BackupFile" USING btree ("storagePath");

--
-- Name: BackupJob_tenantId_createdAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "BackupJob_tenantId_createdAt_idx" ON public."BackupJob" USING btree ("tenantId", "createdAt");

--
-- Name: BackupRecord_status_createdAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "BackupRecord_status_createdAt_idx" ON public."BackupRecord" USING btree (status, "createdAt");

--
-- Name: BackupRecord_storagePath_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "BackupRecord_storagePath_key" ON public."BackupRecord" USING btree ("storagePath");

--
-- Name: BackupRecord_tenantId_createdAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "BackupRecord_tenantId_createdAt_idx" ON public."BackupRecord" USING btree ("tenantId", "createdAt");

--
-- Name: BlueprintVersion_blueprintId_number_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "BlueprintVersion_blueprintId_number_key" ON public."BlueprintVersion" USING btree ("blueprintId", number);

--
-- Name: Blueprint_projectId_name_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "Blueprint_projectId_name_key" ON public."Blueprint" USING btree ("projectId", name);

--
-- Name: Blueprint_workspaceId_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "Blueprint_workspaceId_key" ON public."Blueprint" USING btree ("workspaceId");

--
-- Name: CustomDomain_tenantId_domain_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "CustomDomain_tenantId_domain_key" ON public."CustomDomain" USING btree ("tenantId", domain);

--
-- Name: CustomDomain_verifiedDomain_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "CustomDomain_verifiedDomain_key" ON public."CustomDomain" USING btree ("verifiedDomain");

--
-- Name: Customer_email_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "Customer_email_key" ON public."Customer" USING btree (email);

--
-- Name: DataPlacement_databaseId_schemaName_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "DataPlacement_databaseId_schemaName_key" ON public."DataPlacement" USING btree ("databaseId", "schemaName");

--
-- Name: DataPlacement_roleName_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "DataPlacement_roleName_key" ON public."DataPlacement" USING btree ("roleName");

--
-- Name: DataPlaneDatabase_projectId_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "DataPlaneDatabase_projectId_idx" ON public."DataPlaneDatabase" USING btree ("projectId");

--
-- Name: DataPlaneDatabase_server_name_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "DataPlaneDatabase_server_name_key" ON public."DataPlaneDatabase" USING btree (server, name);

--
-- Name: DocumentLimitAlert_tenantId_createdAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "DocumentLimitAlert_tenantId_createdAt_idx" ON public."DocumentLimitAlert" USING btree ("tenantId", "createdAt");

--
-- Name: DocumentLimitAlert_tenantId_kind_resolvedAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "DocumentLimitAlert_tenantId_kind_resolvedAt_idx" ON public."DocumentLimitAlert" USING btree ("tenantId", kind, "resolvedAt");

--
-- Name: Job_serialKey_createdAt_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "Job_serialKey_createdAt_id_idx" ON public."Job" USING btree ("serialKey", "createdAt", id);

--
-- Name: Job_status_runAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "Job_status_runAt_idx" ON public."Job" USING btree (status, "runAt");

--
-- Name: Job_uniqueKey_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "Job_uniqueKey_key" ON public."Job" USING btree ("uniqueKey");

--
-- Name: Project_customerId_createdAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "Project_customerId_createdAt_idx" ON public."Project" USING btree ("customerId", "createdAt");

--
-- Name: Project_slug_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "Project_slug_key" ON public."Project" USING btree (slug);

--
-- Name: ResourceLimit_tenantId_resource_metric_period_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "ResourceLimit_tenantId_resource_metric_period_key" ON public."ResourceLimit" USING btree ("tenantId", resource, metric, period);

--
-- Name: SchemaChange_workspaceId_position_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "SchemaChange_workspaceId_position_key" ON public."SchemaChange" USING btree ("workspaceId", "position");

--
-- Name: SchemaChange_workspaceId_status_position_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "SchemaChange_workspaceId_status_position_idx" ON public."SchemaChange" USING btree ("workspaceId", status, "position");

--
-- Name: SchemaRolloutTarget_rolloutId_tenantId_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "SchemaRolloutTarget_rolloutId_tenantId_key" ON public."SchemaRolloutTarget" USING btree ("rolloutId", "tenantId");

--
-- Name: SchemaRolloutTarget_tenantId_createdAt_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "SchemaRolloutTarget_tenantId_createdAt_id_idx" ON public."SchemaRolloutTarget" USING btree ("tenantId", "createdAt", id);

--
-- Name: SchemaRollout_projectId_createdAt_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "SchemaRollout_projectId_createdAt_id_idx" ON public."SchemaRollout" USING btree ("projectId", "createdAt", id);

--
-- Name: TenantConfigRevision_tenantId_kind_version_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "TenantConfigRevision_tenantId_kind_version_key" ON public."TenantConfigRevision" USING btree ("tenantId", kind, version);

--
-- Name: TenantDatabase_blueprintId_schemaVersion_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "TenantDatabase_blueprintId_schemaVersion_idx" ON public."TenantDatabase" USING btree ("blueprintId", "schemaVersion");

--
-- Name: TenantDatabase_legacySchemaName_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "TenantDatabase_legacySchemaName_key" ON public."TenantDatabase" USING btree ("legacySchemaName");

--
-- Name: TenantDatabase_placementId_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "TenantDatabase_placementId_key" ON public."TenantDatabase" USING btree ("placementId");

--
-- Name: TenantDatabase_status_phaseEndsAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "TenantDatabase_status_phaseEndsAt_idx" ON public."TenantDatabase" USING btree (status, "phaseEndsAt");

--
-- Name: TenantDatabase_tenantId_blueprint_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "TenantDatabase_tenantId_blueprint_key" ON public."TenantDatabase" USING btree ("tenantId", blueprint);

--
-- Name: TenantDeployment_runningTenantId_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "TenantDeployment_runningTenantId_key" ON public."TenantDeployment" USING btree ("runningTenantId");

--
-- Name: TenantDeployment_status_phaseEndsAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "TenantDeployment_status_phaseEndsAt_idx" ON public."TenantDeployment" USING btree (status, "phaseEndsAt");

--
-- Name: TenantDeployment_tenantId_createdAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "TenantDeployment_tenantId_createdAt_idx" ON public."TenantDeployment" USING btree ("tenantId", "createdAt");

--
-- Name: TenantDocument_tenantId_kind_createdAt_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "TenantDocument_tenantId_kind_createdAt_id_idx" ON public."TenantDocument" USING btree ("tenantId", kind, "createdAt", id);

--
-- Name: TenantDocument_tenantId_kind_name_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "TenantDocument_tenantId_kind_name_key" ON public."TenantDocument" USING btree ("tenantId", kind, name);

--
-- Name: TenantQueryLog_createdAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "TenantQueryLog_createdAt_idx" ON public."TenantQueryLog" USING btree ("createdAt");

--
-- Name: TenantQueryLog_tenantId_createdAt_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "TenantQueryLog_tenantId_createdAt_id_idx" ON public."TenantQueryLog" USING btree ("tenantId", "createdAt", id);

--
-- Name: TenantRecovery_tenantId_createdAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "TenantRecovery_tenantId_createdAt_idx" ON public."TenantRecovery" USING btree ("tenantId", "createdAt");

--
-- Name: TenantSecretVersion_tenantId_createdAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "TenantSecretVersion_tenantId_createdAt_idx" ON public."TenantSecretVersion" USING btree ("tenantId", "createdAt");

--
-- Name: Tenant_customDomain_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "Tenant_customDomain_key" ON public."Tenant" USING btree ("customDomain");

--
-- Name: Tenant_domain_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "Tenant_domain_key" ON public."Tenant" USING btree (domain);

--
-- Name: Tenant_projectId_createdAt_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "Tenant_projectId_createdAt_id_idx" ON public."Tenant" USING btree ("projectId", "createdAt", id);

--
-- Name: Tenant_projectId_slug_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "Tenant_projectId_slug_key" ON public."Tenant" USING btree ("projectId", slug);

--
-- Name: Tenant_slug_without_project_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "Tenant_slug_without_project_key" ON public."Tenant" USING btree (slug) WHERE ("projectId" IS NULL);

--
-- Name: Tenant_status_tier_region_createdAt_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "Tenant_status_tier_region_createdAt_id_idx" ON public."Tenant" USING btree (status, tier, region, "createdAt", id);

--
-- Name: UsageAlert_limitId_userId_status_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "UsageAlert_limitId_userId_status_idx" ON public."UsageAlert" USING btree ("limitId", "userId", status);

--
-- Name: UsageAlert_tenantId_status_createdAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "UsageAlert_tenantId_status_createdAt_idx" ON public."UsageAlert" USING btree ("tenantId", status, "createdAt");

--
-- Name: UsageRecord_tenantId_idempotencyKey_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "UsageRecord_tenantId_idempotencyKey_key" ON public."UsageRecord" USING btree ("tenantId", "idempotencyKey");

--
-- Name: UsageRecord_tenantId_resource_metric_recordedAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "UsageRecord_tenantId_resource_metric_recordedAt_idx" ON public."UsageRecord" USING btree ("tenantId", resource, metric, "recordedAt");

--
-- Name: WebhookDelivery_tenantId_createdAt_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "WebhookDelivery_tenantId_createdAt_id_idx" ON public."WebhookDelivery" USING btree ("tenantId", "createdAt", id);

--
-- Name: Workspace_legacySchemaName_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "Workspace_legacySchemaName_key" ON public."Workspace" USING btree ("legacySchemaName");

--
-- Name: Workspace_placementId_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "Workspace_placementId_key" ON public."Workspace" USING btree ("placementId");

--
-- Name: Workspace_projectId_createdAt_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "Workspace_projectId_createdAt_idx" ON public."Workspace" USING btree ("projectId", "createdAt");

--
-- Name: Workspace_projectId_name_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX "Workspace_projectId_name_key" ON public."Workspace" USING btree ("projectId", name);

--
-- Name: ApiKey announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE ON public."ApiKey" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('tenantId', 'id');

--
-- Name: BackupJob announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE OR UPDATE ON public."BackupJob" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('tenantId');

--
-- Name: CustomDomain announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE OR UPDATE ON public."CustomDomain" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('tenantId');

--
-- Name: Project announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE OR UPDATE ON public."Project" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('*');

--
-- Name: ResourceLimit announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE OR UPDATE ON public."ResourceLimit" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('tenantId');

--
-- Name: SchemaRollout announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE OR UPDATE ON public."SchemaRollout" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('*');

--
-- Name: SchemaRolloutTarget announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE OR UPDATE ON public."SchemaRolloutTarget" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('tenantId');

--
-- Name: Tenant announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE OR UPDATE ON public."Tenant" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('id');

--
-- Name: TenantConfig announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE OR UPDATE ON public."TenantConfig" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('tenantId');

--
-- Name: TenantDatabase announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE OR UPDATE ON public."TenantDatabase" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('tenantId');

--
-- Name: TenantDeployment announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE OR UPDATE ON public."TenantDeployment" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('tenantId');

--
-- Name: TenantFeature announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE OR UPDATE ON public."TenantFeature" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('tenantId');

--
-- Name: TenantGatewayConfig announce_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_change AFTER INSERT OR DELETE OR UPDATE ON public."TenantGatewayConfig" FOR EACH ROW EXECUTE FUNCTION public.gateway_announce_change('tenantId');

--
-- Name: Tenant announce_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_truncate AFTER TRUNCATE ON public."Tenant" FOR EACH STATEMENT EXECUTE FUNCTION public.gateway_announce_change('*');

--
-- Name: TenantConfig announce_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_truncate AFTER TRUNCATE ON public."TenantConfig" FOR EACH STATEMENT EXECUTE FUNCTION public.gateway_announce_change('*');

--
-- Name: TenantFeature announce_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_truncate AFTER TRUNCATE ON public."TenantFeature" FOR EACH STATEMENT EXECUTE FUNCTION public.gateway_announce_change('*');

--
-- Name: ApiKey announce_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER announce_update AFTER UPDATE ON public."ApiKey" FOR EACH ROW WHEN (((to_jsonb(old.*) - 'lastUsedAt'::text) IS DISTINCT FROM (to_jsonb(new.*) - 'lastUsedAt'::text))) EXECUTE FUNCTION public.gateway_announce_change('tenantId', 'id');

--
-- Name: ApiCallStat ApiCallStat_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."ApiCallStat"
    ADD CONSTRAINT "ApiCallStat_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: ApiKey ApiKey_projectId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."ApiKey"
    ADD CONSTRAINT "ApiKey_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES public."Project"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: ApiKey ApiKey_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."ApiKey"
    ADD CONSTRAINT "ApiKey_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: BackupFile BackupFile_backupId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."BackupFile"
    ADD CONSTRAINT "BackupFile_backupId_fkey" FOREIGN KEY ("backupId") REFERENCES public."BackupRecord"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: BackupJob BackupJob_backupId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."BackupJob"
    ADD CONSTRAINT "BackupJob_backupId_fkey" FOREIGN KEY ("backupId") REFERENCES public."BackupRecord"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: BackupJob BackupJob_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."BackupJob"
    ADD CONSTRAINT "BackupJob_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: BackupRecord BackupRecord_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."BackupRecord"
    ADD CONSTRAINT "BackupRecord_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: BillingProfile BillingProfile_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."BillingProfile"
    ADD CONSTRAINT "BillingProfile_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: BlueprintVersion BlueprintVersion_blueprintId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."BlueprintVersion"
    ADD CONSTRAINT "BlueprintVersion_blueprintId_fkey" FOREIGN KEY ("blueprintId") REFERENCES public."Blueprint"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: Blueprint Blueprint_projectId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Blueprint"
    ADD CONSTRAINT "Blueprint_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES public."Project"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: Blueprint Blueprint_workspaceId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Blueprint"
    ADD CONSTRAINT "Blueprint_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES public."Workspace"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: CustomDomain CustomDomain_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."CustomDomain"
    ADD CONSTRAINT "CustomDomain_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: DataPlacement DataPlacement_databaseId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."DataPlacement"
    ADD CONSTRAINT "DataPlacement_databaseId_fkey" FOREIGN KEY ("databaseId") REFERENCES public."DataPlaneDatabase"(id) ON UPDATE CASCADE ON DELETE RESTRICT;

--
-- Name: DocumentLimitAlert DocumentLimitAlert_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."DocumentLimitAlert"
    ADD CONSTRAINT "DocumentLimitAlert_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: Project Project_customerId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Project"
    ADD CONSTRAINT "Project_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES public."Customer"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: ResourceLimit ResourceLimit_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."ResourceLimit"
    ADD CONSTRAINT "ResourceLimit_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: SchemaChange SchemaChange_versionId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."SchemaChange"
    ADD CONSTRAINT "SchemaChange_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES public."BlueprintVersion"(id) ON UPDATE CASCADE ON DELETE SET NULL;

--
-- Name: SchemaChange SchemaChange_workspaceId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."SchemaChange"
    ADD CONSTRAINT "SchemaChange_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES public."Workspace"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: SchemaRolloutTarget SchemaRolloutTarget_rolloutId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."SchemaRolloutTarget"
    ADD CONSTRAINT "SchemaRolloutTarget_rolloutId_fkey" FOREIGN KEY ("rolloutId") REFERENCES public."SchemaRollout"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: SchemaRolloutTarget SchemaRolloutTarget_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."SchemaRolloutTarget"
    ADD CONSTRAINT "SchemaRolloutTarget_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: SchemaRollout SchemaRollout_projectId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."SchemaRollout"
    ADD CONSTRAINT "SchemaRollout_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES public."Project"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantConfigRevision TenantConfigRevision_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantConfigRevision"
    ADD CONSTRAINT "TenantConfigRevision_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantConfig TenantConfig_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantConfig"
    ADD CONSTRAINT "TenantConfig_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantDataKey TenantDataKey_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantDataKey"
    ADD CONSTRAINT "TenantDataKey_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantDatabase TenantDatabase_blueprintId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantDatabase"
    ADD CONSTRAINT "TenantDatabase_blueprintId_fkey" FOREIGN KEY ("blueprintId") REFERENCES public."Blueprint"(id) ON UPDATE CASCADE ON DELETE SET NULL;

--
-- Name: TenantDatabase TenantDatabase_placementId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantDatabase"
    ADD CONSTRAINT "TenantDatabase_placementId_fkey" FOREIGN KEY ("placementId") REFERENCES public."DataPlacement"(id) ON UPDATE CASCADE ON DELETE RESTRICT;

--
-- Name: TenantDatabase TenantDatabase_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantDatabase"
    ADD CONSTRAINT "TenantDatabase_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantDeployment TenantDeployment_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantDeployment"
    ADD CONSTRAINT "TenantDeployment_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantDocument TenantDocument_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantDocument"
    ADD CONSTRAINT "TenantDocument_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantFeature TenantFeature_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantFeature"
    ADD CONSTRAINT "TenantFeature_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantGatewayConfig TenantGatewayConfig_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantGatewayConfig"
    ADD CONSTRAINT "TenantGatewayConfig_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantQueryLog TenantQueryLog_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantQueryLog"
    ADD CONSTRAINT "TenantQueryLog_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantRbac TenantRbac_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantRbac"
    ADD CONSTRAINT "TenantRbac_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantRecovery TenantRecovery_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantRecovery"
    ADD CONSTRAINT "TenantRecovery_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantSecretVersion TenantSecretVersion_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantSecretVersion"
    ADD CONSTRAINT "TenantSecretVersion_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: TenantSecret TenantSecret_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."TenantSecret"
    ADD CONSTRAINT "TenantSecret_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: Tenant Tenant_projectId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Tenant"
    ADD CONSTRAINT "Tenant_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES public."Project"(id) ON UPDATE CASCADE ON DELETE SET NULL;

--
-- Name: UsageAlert UsageAlert_limitId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."UsageAlert"
    ADD CONSTRAINT "UsageAlert_limitId_fkey" FOREIGN KEY ("limitId") REFERENCES public."ResourceLimit"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: UsageAlert UsageAlert_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."UsageAlert"
    ADD CONSTRAINT "UsageAlert_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: UsageRecord UsageRecord_tenantId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."UsageRecord"
    ADD CONSTRAINT "UsageRecord_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES public."Tenant"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: Workspace Workspace_placementId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Workspace"
    ADD CONSTRAINT "Workspace_placementId_fkey" FOREIGN KEY ("placementId") REFERENCES public."DataPlacement"(id) ON UPDATE CASCADE ON DELETE RESTRICT;

--
-- Name: Workspace Workspace_projectId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Workspace"
    ADD CONSTRAINT "Workspace_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES public."Project"(id) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- PostgreSQL database dump complete
--
