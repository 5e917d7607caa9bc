/**
 * The one schema of coder-platform.yaml. Types here are the resolved configuration every other layer
 * reads. Field-level rules live here; rules that relate fields to each other (CIDR layout, sizes that
 * must fit, schedules within node-group bounds) live in ./validate.ts so all problems are reported together.
 */
import { z } from 'zod';
import { checkSecretReference, SECRET_REFERENCE, SECRET_REFERENCE_FORMS } from './secret-reference.js';

export const API_VERSION = 'coder-platform/v1';
export const PROFILE_NAMES = ['mvp-500', 'scale-3000'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** CloudWatch Logs accepts only these retention values. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const INTERFACE_ENDPOINTS = [
  'ecr.api',
  'ecr.dkr',
  'sts',
  'secretsmanager',
  'logs',
  'monitoring',
  'ec2',
  'eks',
  'eks-auth',
  'autoscaling',
  'elasticloadbalancing',
  'ssm',
  'kms',
] as const;
export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export const TEMPLATE_NAMES = ['pod-swdev', 'ec2-windev-gui', 'ec2-datasci', 'ec2-datasci-gpu'] as const;
export const NODE_ROLES = ['control', 'provisioner', 'workspace'] as const;

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const cidr = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { message: 'must be an IPv4 CIDR such as 10.0.0.0/16' });
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a 24-hour time HH:MM such as 06:45' });
const region = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { message: 'must be an AWS region code such as us-east-1' });
const semver = z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, {
  message: 'must be a semantic version without a leading v, such as 2.35.3',
});
const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|Mi|Gi|Ki|Ti)?$/, { message: 'must be a Kubernetes quantity such as 500m or 2Gi' });

/**
 * A reference to a secret, never the secret (./secret-reference.ts): a Secrets Manager ARN,
 * `secretsmanager:NAME`, a path of plain name segments (`coder/oidc-client-secret`), or `env:NAME`.
 * Literal values, and anything that looks like a credential whatever form it matches, are rejected; the
 * message names the kind and length of what was found, never the value.
 */
export { SECRET_REFERENCE } from './secret-reference.js';
export const secretReference = z
  .string()
  .regex(SECRET_REFERENCE, { message: `must be a secret reference (${SECRET_REFERENCE_FORMS}), not the secret itself` })
  .superRefine((value, ctx) => {
    // The form matched; refuse it still when the value itself looks like a credential.
    const check = checkSecretReference(value);
    if (SECRET_REFERENCE.test(value) && !check.ok)
      ctx.addIssue({
        code: 'custom',
        message: `must be a secret reference, not the secret itself: found ${check.reason}`,
      });
  });

const taint = z.strictObject({
  key: z.string().min(1).max(63),
  value: z.string().max(63).default('true'),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).default('NoSchedule'),
});

export const nodeGroupSchema = z.strictObject({
  /** What runs on it: coderd and add-ons (control), provisioners, or workspaces. */
  role: z.enum(NODE_ROLES),
  /** The subnet tier the group's nodes live in (a key of network.subnets). */
  subnetTier: z.string().min(1),
  instanceTypes: z
    .array(
      z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: 'must be an EC2 instance type such as m5.2xlarge' }),
    )
    .min(1)
    .max(20),
  capacityType: z.enum(['ON_DEMAND', 'SPOT']),
  minSize: z.int().min(0).max(1000),
  desiredSize: z.int().min(0).max(1000),
  maxSize: z.int().min(1).max(1000),
  labels: z.record(z.string(), z.string()).default({}),
  taints: z.array(taint).default([]),
  rootVolumeGiB: z.int().min(20).max(16384).default(100),
  /** Nodes replaced at once during a version update: a count or a percentage such as "25%". */
  maxUnavailable: z.union([z.int().min(1).max(100), z.string().regex(/^([1-9]\d?|100)%$/)]).default(1),
  /** For an on-demand group that stands in when the named Spot group cannot be fulfilled. */
  fallbackFor: z.string().optional(),
});
export type NodeGroupConfig = z.infer<typeof nodeGroupSchema>;

const workspaceSize = z.strictObject({
  cpu: z.number().positive().max(192),
  memoryGiB: z.number().positive().max(1536),
  storageGiB: z.int().min(1).max(16384),
  /** Share of the concurrent workspaces, in percent; the shares add up to 100. */
  share: z.number().min(0).max(100),
  /** The template that builds this size. */
  template: z.enum(TEMPLATE_NAMES),
  /** For EC2-backed templates: the instance type one workspace of this size gets. */
  instanceType: z.string().optional(),
});
export type WorkspaceSizeConfig = z.infer<typeof workspaceSize>;

/**
 * Coder template settings (coder-api.md §5 settings table); the defaults are the design values. Unlike
 * the rest of the schema these carry describe() texts, so editors show the API field each one sets.
 */
export const templateSettingsSchema = z.strictObject({
  defaultTtlHours: z
    .number()
    .min(0)
    .max(720)
    .default(8)
    .describe('A started workspace stops after this many hours (Coder default_ttl_ms); 0 turns it off.'),
  activityBumpHours: z
    .number()
    .min(0)
    .max(24)
    .default(1)
    .describe(
      'Activity in a workspace pushes its stop time back by this many hours (activity_bump_ms); 0 turns it off.',
    ),
  autostopDays: z
    .array(z.enum(WEEKDAYS))
    .default(['MON', 'TUE', 'WED', 'THU', 'FRI'])
    .describe(
      "Days on which running workspaces are stopped in their owner's quiet hours (autostop_requirement, premium); default MON–FRI, [] for none.",
    ),
  dormancyDays: z
    .number()
    .min(0)
    .max(3650)
    .default(7)
    .describe(
      'An unused workspace becomes dormant after this many days (time_til_dormant_ms, premium); 0 turns it off.',
    ),
  autoDeleteDays: z
    .number()
    .min(0)
    .max(3650)
    .default(30)
    .describe(
      'A dormant workspace is deleted after this many days (time_til_dormant_autodelete_ms, premium); 0 turns it off.',
    ),
  failureTtlHours: z
    .number()
    .min(0)
    .max(8760)
    .default(24)
    .describe(
      'A workspace whose build failed is stopped after this many hours (failure_ttl_ms, premium); 0 turns it off.',
    ),
});
export type TemplateSettingsConfig = z.infer<typeof templateSettingsSchema>;

/** S3 bucket names: 3–63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit. */
const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
  message: 'must be an S3 bucket name (3–63 lower-case letters, digits, dots, hyphens), e.g. acme-coder-platform-state',
});

/** Where the journal, lock, reports and generated files live: `local` (the state directory) or `s3` (shared). */
export const stateSchema = z
  .strictObject({
    backend: z.enum(['local', 's3']).default('local'),
    /** The state bucket (required for s3); `state init` creates it. */
    bucket: bucketName.optional(),
    /** Key prefix in the bucket; the deployment's objects are under `<prefix><deployment.name>/`. */
    prefix: z
      .string()
      .regex(/^([A-Za-z0-9!_.*'()-]+\/)*$/, { message: 'must be empty or end with "/", e.g. coder-platform/' })
      .default('coder-platform/'),
    /** The bucket's region; default aws.region. */
    region: region.optional(),
    /** aws:kms (the aws/s3 managed key, with an S3 Bucket Key) or AES256 (SSE-S3). */
    encryption: z.enum(['aws:kms', 'AES256']).default('aws:kms'),
    /** Old journal/report versions are kept this many days. */
    noncurrentVersionDays: z.int().min(1).max(3650).default(90),
  })
  .prefault({})
  .superRefine((value, ctx) => {
    if (value.backend === 's3' && value.bucket === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['bucket'],
        message: 'is required when state.backend is s3, e.g. bucket: acme-coder-platform-state',
      });
    }
  });
export type StateConfig = z.infer<typeof stateSchema>;

export const configSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  profile: z.enum(PROFILE_NAMES),
  deployment: z.strictObject({
    /** Lower-case name used in stack names, tags and the state directory. */
    name: z.string().regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, {
      message: 'must be 3–32 lower-case letters, digits and hyphens, starting with a letter',
    }),
    environment: z.enum(['production', 'staging', 'development']),
  }),
  aws: z.strictObject({
    region,
    accountId: z
      .string()
      .regex(/^\d{12}$/, { message: 'must be a 12-digit AWS account id' })
      .optional(),
    /** AWS shared-config profile the CLI uses (--aws-profile / CODER_PLATFORM_AWS_PROFILE override it); default the standard credential chain. */
    profile: z
      .string()
      .regex(/^[A-Za-z0-9_.+@-]{1,128}$/, {
        message: 'must be an AWS shared-config profile name such as platform-admin',
      })
      .optional(),
    /** AZ names; default the first azCount zones of the region (a, b, c …). */
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, { message: 'must be an AZ name such as us-east-1a' }))
      .optional(),
  }),
  network: z.strictObject({
    vpcCidr: cidr,
    azCount: z.int().min(2).max(6),
    natGateways: z.int().min(1).max(6),
    /** Tier name → one CIDR per AZ, in AZ order. `public` and `database` have fixed meanings. */
    subnets: z.record(z.string().regex(dnsLabel), z.array(cidr)),
    interfaceEndpoints: z.array(z.enum(INTERFACE_ENDPOINTS)),
    flowLogRetentionDays: z.literal([...LOG_RETENTION_DAYS], {
      message: `must be a CloudWatch Logs retention value: ${LOG_RETENTION_DAYS.join(', ')}`,
    }),
  }),
  cluster: z.strictObject({
    kubernetesVersion: z.string().regex(/^1\.\d{2}$/, { message: 'must be a Kubernetes minor version such as 1.34' }),
    /**
     * The Kubernetes API endpoint. Private access is always on (nodes and in-VPC tools use it). `private`: no
     * public endpoint; day1 (helm, kubectl) then runs from a machine that reaches the VPC. `public-and-private`:
     * the public endpoint too, reachable only from `publicCidrs` (required; 0.0.0.0/0 is allowed as an explicit
     * choice, and preflight and plan warn about it).
     */
    endpointAccess: z.strictObject({
      mode: z.enum(['private', 'public-and-private'], {
        message: 'must be private or public-and-private (private access is always on)',
      }),
      publicCidrs: z.array(cidr).max(40).default([]),
    }),
    /** How kubeconfig gets EKS tokens: this CLI's own token command, or `aws eks get-token` (needs AWS CLI v2). */
    authMethod: z.enum(['coder-platform', 'aws-cli']),
    nodeGroups: z.record(z.string().regex(dnsLabel), nodeGroupSchema),
    /** Instance types not in the sizing table that you confirm exist (their facts come from AWS at preflight). */
    confirmedInstanceTypes: z.array(z.string()).default([]),
  }),
  database: z.strictObject({
    engine: z.enum(['aurora-serverless-v2', 'rds-postgres']),
    engineVersion: z
      .string()
      .regex(/^\d{2}(\.\d{1,2})?$/, { message: 'must be a PostgreSQL version such as 16.6 or 15' }),
    minAcu: z.number().min(0).max(256).optional(),
    maxAcu: z.number().min(1).max(256).optional(),
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { message: 'must be a DB instance class such as db.m7i.large' })
      .optional(),
    readers: z.int().min(0).max(15),
    multiAz: z.boolean(),
    allocatedStorageGiB: z.int().min(20).max(65536).optional(),
    /** Automated backups (point-in-time window): AWS allows 1–35 days. */
    backupRetentionDays: z.int().min(1).max(35, {
      message:
        'AWS allows at most 35 days of automated backups; use longTermRetentionDays (AWS Backup) for longer retention',
    }),
    /** Daily AWS Backup snapshots kept this long; 0 disables the plan. */
    longTermRetentionDays: z.int().min(0).max(36500),
    crossRegionCopyRegion: region.nullable(),
    deletionProtection: z.boolean(),
    masterUsername: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
    databaseName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
  }),
  dns: z.strictObject({
    domain: z.string().min(1),
    subdomain: z.string().default('coder'),
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,32}$/, { message: 'must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ' })
      .optional(),
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, {
        message: 'must be an ACM certificate ARN',
      })
      .optional(),
  }),
  coder: z.strictObject({
    version: semver,
    chart: z.strictObject({
      repository: z
        .string()
        .regex(/^(https?|oci):\/\//, { message: 'must be an https:// or oci:// chart repository' })
        .default('https://helm.coder.com/v2'),
      /** A local chart archive directory for air-gapped sites (coder-<version>.tgz and coder-provisioner-<version>.tgz). */
      archiveDir: z.string().optional(),
    }),
    replicas: z.int().min(1).max(20),
    resources: z.strictObject({
      requests: z.strictObject({ cpu: quantity, memory: quantity }),
      limits: z.strictObject({ cpu: quantity, memory: quantity }),
    }),
    admin: z.strictObject({
      email: z.email({ message: 'must be an e-mail address' }),
      username: z.string().regex(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/, {
        message: 'must be a Coder username: letters, digits and single hyphens',
      }),
    }),
    oidc: z
      .strictObject({
        issuerUrl: z.url({ protocol: /^https$/, message: 'must be an https:// issuer URL' }),
        clientId: z.string().min(1),
        clientSecret: secretReference,
        groupField: z.string().default('groups'),
        groupRegexFilter: z.string().default('^coder-.*|^developers$'),
        roleField: z.string().optional(),
        emailDomains: z.array(z.string()).default([]),
        allowSignups: z.boolean().default(true),
      })
      .nullable(),
    license: secretReference.nullable(),
    provisioners: z.strictObject({
      replicas: z.int().min(1).max(500),
      /** External provisioner pods run one daemon each (Coder validated architectures); kept for forward compatibility. */
      daemonsPerReplica: z.int().min(1).max(1),
      tags: z.record(z.string(), z.string()),
      keyName: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
    }),
  }),
  workspaces: z.strictObject({
    concurrent: z.int().min(1).max(100000),
    /** Size name → size. */
    sizes: z.record(z.string().regex(dnsLabel), workspaceSize),
    /** Kubernetes requests as a fraction of the limits (the over-commit), per resource. */
    requestsToLimits: z.strictObject({ cpu: z.number().gt(0).max(1), memory: z.number().gt(0).max(1) }),
    /** Warn when the limits over-commit the workspace group's allocatable capacity more than this. */
    maxOvercommit: z.strictObject({ cpu: z.number().min(1), memory: z.number().min(1) }),
    /** Templates to publish on Day 1. */
    templates: z.array(z.enum(TEMPLATE_NAMES)),
    /** Schedule and lifecycle settings of every published template (Coder's template settings); 0 turns a timer off. */
    templateSettings: templateSettingsSchema.prefault({}),
  }),
  schedule: z.strictObject({
    enabled: z.boolean(),
    timezone: z.string().min(1),
    scaleUp: hhmm,
    scaleDown: hhmm,
    weekdays: z.array(z.enum(WEEKDAYS)).min(1),
    /** Node-group name → node counts: `peak` (min at scale-up; desired becomes max(current, peak)), `offHours` (min at scale-down). */
    nodeGroups: z.record(z.string(), z.strictObject({ peak: z.int().min(0), offHours: z.int().min(0) })),
    /**
     * Written by `day2 scale-schedule suspend` (with enabled: false), removed by `resume`: when the schedules
     * were suspended and until when (null: until `resume`). Every deploy then keeps them disabled, and the
     * first scale-schedule command after `until` resumes them. Absent: not suspended.
     */
    suspension: z.strictObject({ since: z.iso.datetime(), until: z.iso.datetime().nullable() }).optional(),
  }),
  /**
   * Account activity logging. `create`: a multi-Region CloudTrail trail of management events, KMS-encrypted,
   * with log file validation. `existing`: an organization or multi-Region trail already covers the account
   * (preflight looks for one), so none is created.
   */
  audit: z.strictObject({ cloudTrail: z.enum(['create', 'existing']).default('create') }).prefault({}),
  backup: z.strictObject({
    rtoMinutes: z.int().min(1).max(10080),
    rpoMinutes: z.int().min(1).max(10080),
    restoreTestCadence: z.enum(['weekly', 'monthly', 'quarterly']),
  }),
  users: z.strictObject({
    /** Declarative users, groups and roles applied on Day 1 (relative to the config file). */
    file: z.string().nullable(),
  }),
  state: stateSchema,
});

/** The fully resolved configuration: profile defaults + file + environment + flags, validated. */
export type CoderPlatformConfig = z.infer<typeof configSchema>;
/** What a person writes: any subset, merged over the profile. */
export type ConfigInput = z.input<typeof configSchema>;

/** The Coder host, e.g. `coder.example.com`. */
export function coderHost(config: Pick<CoderPlatformConfig, 'dns'>): string {
  return `${config.dns.subdomain}.${config.dns.domain}`;
}

/** The AZ names the deployment uses, from config or derived from the region. */
export function availabilityZones(config: Pick<CoderPlatformConfig, 'aws' | 'network'>): string[] {
  if (config.aws.availabilityZones && config.aws.availabilityZones.length > 0)
    return config.aws.availabilityZones.slice(0, config.network.azCount);
  return 'abcdef'
    .slice(0, config.network.azCount)
    .split('')
    .map((letter) => `${config.aws.region}${letter}`);
}
