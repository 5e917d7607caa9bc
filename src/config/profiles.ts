/**
 * The two platform shapes of ../shared/seeds/, as complete defaults, with the corrections of
 * ../shared/reference/seed-facts.md §14 (numbers in comments refer to its defect table).
 * A config names a profile and overrides only what it changes. Only `deployment.name` (default
 * `coder`), `dns.domain` and `coder.admin.email` are the operator's to give.
 */
import type { ProfileName } from './schema.js';

/** Deep-partial config shape the profiles and files use before merging. */
export type ConfigLayer = { [key: string]: unknown };

/** Names defined once and read everywhere (defect 26). */
export const NODE_LABEL_KEY = 'coder.com/node-type';
export const NAMESPACES = { coder: 'coder', provisioners: 'coder-prov', workspaces: 'coder-ws' } as const;

const DEFAULT_CODER_VERSION = '2.35.3'; // Stable channel in ../shared/coder/VERSION.md

const taint = (key: string) => [{ key, value: 'true', effect: 'NoSchedule' }];

const MVP_500: ConfigLayer = {
  deployment: { name: 'coder', environment: 'production' },
  aws: { region: 'us-east-1' },
  network: {
    vpcCidr: '10.0.0.0/16',
    azCount: 2, // defect 12: the "3 AZs" row contradicts the 2-AZ design
    natGateways: 1, // "single NAT – acceptable for MVP"
    subnets: {
      public: ['10.0.0.0/20', '10.0.16.0/20'],
      private: ['10.0.32.0/19', '10.0.64.0/19'],
      database: ['10.0.96.0/21', '10.0.104.0/21'],
    },
    interfaceEndpoints: ['ecr.api', 'ecr.dkr'], // [M]: S3 (gateway) + ECR
    flowLogRetentionDays: 90,
  },
  cluster: {
    kubernetesVersion: '1.34',
    endpointAccess: { mode: 'private', publicCidrs: [] }, // private only until the operator names CIDRs
    authMethod: 'coder-platform',
    nodeGroups: {
      'coder-system': {
        role: 'control',
        subnetTier: 'private',
        instanceTypes: ['m7i.large'],
        capacityType: 'ON_DEMAND',
        minSize: 2,
        desiredSize: 2,
        maxSize: 2,
        labels: { [NODE_LABEL_KEY]: 'control' },
        taints: taint('coder-system'), // defect 8: declared on the group
        rootVolumeGiB: 50,
        maxUnavailable: 1,
      },
      'coder-prov': {
        role: 'provisioner',
        subnetTier: 'private',
        instanceTypes: ['c7i.2xlarge'],
        capacityType: 'ON_DEMAND', // 8 vCPU / 16 GiB (defect 11)
        minSize: 1,
        desiredSize: 1,
        maxSize: 2,
        labels: { [NODE_LABEL_KEY]: 'provisioner' },
        taints: taint('coder-prov'),
        rootVolumeGiB: 100,
        maxUnavailable: 1,
      },
      'coder-ws': {
        role: 'workspace',
        subnetTier: 'private',
        instanceTypes: ['m7i.12xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 2,
        desiredSize: 2,
        maxSize: 20,
        labels: { [NODE_LABEL_KEY]: 'workspace' },
        taints: taint('coder-ws'),
        rootVolumeGiB: 100,
        maxUnavailable: 1,
      },
    },
    confirmedInstanceTypes: [],
  },
  database: {
    engine: 'rds-postgres',
    engineVersion: '15',
    instanceClass: 'db.m7i.large',
    readers: 0,
    multiAz: true,
    allocatedStorageGiB: 100,
    backupRetentionDays: 7,
    longTermRetentionDays: 90, // defect 3: "increase to 90 days for production" through AWS Backup, not automated retention
    crossRegionCopyRegion: null, // a v2.0 item in [M]
    deletionProtection: true,
    masterUsername: 'coder',
    databaseName: 'coder',
  },
  dns: { subdomain: 'coder' },
  coder: {
    version: DEFAULT_CODER_VERSION,
    chart: { repository: 'https://helm.coder.com/v2' },
    replicas: 2,
    // defect 13: the chart default (2000m / 4Gi) does not fit an m7i.large beside the DaemonSets and add-ons
    resources: { requests: { cpu: '1200m', memory: '3Gi' }, limits: { cpu: '2000m', memory: '6Gi' } },
    admin: { username: 'admin' },
    oidc: null,
    license: null,
    provisioners: { replicas: 2, daemonsPerReplica: 1, tags: { scope: 'organization' }, keyName: 'eks-provisioner' },
  },
  workspaces: {
    concurrent: 500,
    sizes: {
      s: { cpu: 2, memoryGiB: 4, storageGiB: 20, share: 25, template: 'pod-swdev' },
      m: { cpu: 4, memoryGiB: 8, storageGiB: 50, share: 60, template: 'pod-swdev' },
      l: { cpu: 16, memoryGiB: 32, storageGiB: 100, share: 15, template: 'pod-swdev' },
    },
    // defect 10: 2,650 vCPU / 5,300 GB of limits on ≈ 956 vCPU / 3,495 GiB allocatable → 2.8× CPU, 1.5× memory
    requestsToLimits: { cpu: 0.35, memory: 0.65 },
    maxOvercommit: { cpu: 3, memory: 1.6 },
    templates: ['pod-swdev'],
  },
  schedule: {
    enabled: true,
    timezone: 'America/New_York',
    scaleUp: '06:45',
    scaleDown: '18:15',
    weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
    // [M] gives only the ranges (provisioner 1–2, workspace 2–20); the morning floor is half the workspace maximum
    nodeGroups: { 'coder-prov': { peak: 2, offHours: 1 }, 'coder-ws': { peak: 10, offHours: 2 } },
  },
  audit: { cloudTrail: 'create' }, // the design documents' audit row: CloudTrail (+ VPC flow logs, network)
  backup: { rtoMinutes: 120, rpoMinutes: 15, restoreTestCadence: 'monthly' },
  users: { file: null },
};

const SCALE_3000: ConfigLayer = {
  deployment: { name: 'coder', environment: 'production' },
  aws: { region: 'us-east-1' },
  network: {
    vpcCidr: '10.0.0.0/16',
    azCount: 3,
    natGateways: 3, // one per AZ
    // seed-facts §2.2: the document's 10.0.144.0/18 "across all AZs" is invalid (defect 1); one /20 per AZ instead
    subnets: {
      public: ['10.0.0.0/20', '10.0.16.0/20', '10.0.32.0/20'],
      control: ['10.0.48.0/20', '10.0.64.0/20', '10.0.80.0/20'],
      provisioner: ['10.0.96.0/20', '10.0.112.0/20', '10.0.128.0/20'],
      workspace: ['10.0.144.0/20', '10.0.160.0/20', '10.0.176.0/20'],
      database: ['10.0.208.0/21', '10.0.216.0/21', '10.0.224.0/21'],
    },
    interfaceEndpoints: [
      'ecr.api',
      'ecr.dkr',
      'sts',
      'secretsmanager',
      'logs',
      'monitoring',
      'ec2',
      'eks',
      'autoscaling',
      'elasticloadbalancing',
    ],
    flowLogRetentionDays: 90,
  },
  cluster: {
    kubernetesVersion: '1.34',
    endpointAccess: { mode: 'private', publicCidrs: [] }, // private only until the operator names CIDRs
    authMethod: 'coder-platform',
    nodeGroups: {
      'coder-control': {
        role: 'control',
        subnetTier: 'control',
        instanceTypes: ['m5.large'],
        capacityType: 'ON_DEMAND',
        minSize: 2,
        desiredSize: 2,
        maxSize: 3,
        labels: { [NODE_LABEL_KEY]: 'control' },
        taints: taint('coder-control'),
        rootVolumeGiB: 50,
        maxUnavailable: 1,
      },
      'coder-prov': {
        role: 'provisioner',
        subnetTier: 'provisioner',
        instanceTypes: ['c5.2xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 0,
        desiredSize: 0,
        maxSize: 20,
        labels: { [NODE_LABEL_KEY]: 'provisioner' },
        taints: taint('coder-prov'),
        rootVolumeGiB: 100,
        maxUnavailable: '50%',
      },
      'coder-ws': {
        // Same-size Spot pool ([pub-S]); m5.xlarge is left out because the cluster autoscaler needs equal sizes in a group
        role: 'workspace',
        subnetTier: 'workspace',
        instanceTypes: ['m5.2xlarge', 'm5a.2xlarge', 'm5n.2xlarge', 'm6i.2xlarge'],
        capacityType: 'SPOT',
        minSize: 10,
        desiredSize: 10,
        maxSize: 200,
        labels: { [NODE_LABEL_KEY]: 'workspace', 'coder.com/spot': 'true' },
        taints: taint('coder-ws'),
        rootVolumeGiB: 100,
        maxUnavailable: '25%',
      },
      'coder-ws-ondemand': {
        // defect 4: a SPOT managed node group never falls back to on-demand; this group does, through the autoscaler's priority expander
        role: 'workspace',
        subnetTier: 'workspace',
        instanceTypes: ['m5.2xlarge'],
        capacityType: 'ON_DEMAND',
        minSize: 0,
        desiredSize: 0,
        maxSize: 20,
        labels: { [NODE_LABEL_KEY]: 'workspace', 'coder.com/spot': 'false' },
        taints: taint('coder-ws'),
        rootVolumeGiB: 100,
        maxUnavailable: '25%',
        fallbackFor: 'coder-ws',
      },
    },
    confirmedInstanceTypes: [],
  },
  database: {
    engine: 'aurora-serverless-v2',
    engineVersion: '16.6',
    minAcu: 0.5,
    maxAcu: 16,
    readers: 2,
    multiAz: true,
    backupRetentionDays: 35, // defect 3: 90 days of automated retention is impossible; 35 is the PITR maximum
    longTermRetentionDays: 90, // AWS Backup daily snapshots kept 90 days
    crossRegionCopyRegion: 'us-west-2', // [pub-S] DR Region; the vault is created by the data stack (defect 22)
    deletionProtection: true,
    masterUsername: 'coder_admin',
    databaseName: 'coder',
  },
  dns: { subdomain: 'coder' },
  coder: {
    version: DEFAULT_CODER_VERSION,
    chart: { repository: 'https://helm.coder.com/v2' },
    replicas: 2,
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2000m', memory: '4Gi' } },
    admin: { username: 'admin' },
    oidc: null,
    license: null,
    provisioners: {
      replicas: 3,
      daemonsPerReplica: 1,
      tags: { scope: 'organization' },
      keyName: 'external-provisioner-key',
    },
  },
  workspaces: {
    concurrent: 3000,
    // Sizes from [S] with [pub-S] profile names. The document gives no mix; this one keeps the [pub-S]
    // sizing average of about 4 vCPU / 8 GB per pod workspace and puts 10 % on EC2 data-science templates.
    sizes: {
      'sw-dev-small': { cpu: 2, memoryGiB: 4, storageGiB: 20, share: 25, template: 'pod-swdev' },
      'sw-dev-medium': { cpu: 4, memoryGiB: 8, storageGiB: 50, share: 45, template: 'pod-swdev' },
      'sw-dev-large': { cpu: 8, memoryGiB: 16, storageGiB: 100, share: 10, template: 'pod-swdev' },
      'platform-devsecops': { cpu: 4, memoryGiB: 8, storageGiB: 100, share: 10, template: 'pod-swdev' },
      'datasci-standard': {
        cpu: 8,
        memoryGiB: 32,
        storageGiB: 500,
        share: 6,
        template: 'ec2-datasci',
        instanceType: 'm5.2xlarge',
      },
      'datasci-large': {
        cpu: 16,
        memoryGiB: 64,
        storageGiB: 1000,
        share: 3,
        template: 'ec2-datasci-gpu',
        instanceType: 'g4dn.4xlarge',
      },
      'datasci-xlarge': {
        cpu: 32,
        memoryGiB: 64,
        storageGiB: 2000,
        share: 1,
        template: 'ec2-datasci-gpu',
        instanceType: 'g5.8xlarge',
      },
    },
    // defect 10: 3,000 × 4 vCPU / 8 GB on ≈ 1,582 vCPU / 5,726 GiB → 7.6× CPU, 4.2× memory
    requestsToLimits: { cpu: 0.13, memory: 0.24 },
    maxOvercommit: { cpu: 8, memory: 4.5 },
    templates: ['pod-swdev', 'ec2-windev-gui', 'ec2-datasci', 'ec2-datasci-gpu'],
  },
  schedule: {
    enabled: true,
    timezone: 'America/New_York',
    scaleUp: '06:45',
    scaleDown: '18:15',
    weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
    // [pub-S]: provisioner 0 → 5 → 0, workspace 10 → 50 → 10; control never scheduled
    nodeGroups: { 'coder-prov': { peak: 5, offHours: 0 }, 'coder-ws': { peak: 50, offHours: 10 } },
  },
  audit: { cloudTrail: 'create' }, // the design documents' audit row: CloudTrail (+ VPC flow logs, network)
  backup: { rtoMinutes: 120, rpoMinutes: 15, restoreTestCadence: 'monthly' },
  users: { file: null },
};

export const PROFILES: Readonly<Record<ProfileName, ConfigLayer>> = { 'mvp-500': MVP_500, 'scale-3000': SCALE_3000 };

/** A deep copy of a profile's defaults, safe to merge into. */
export function profileDefaults(name: ProfileName): ConfigLayer {
  return structuredClone(PROFILES[name]) as ConfigLayer;
}
