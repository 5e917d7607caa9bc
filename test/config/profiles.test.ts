import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';

const minimal = (profile: string) =>
  `apiVersion: coder-platform/v1\nprofile: ${profile}\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n`;
const groupView = (g: {
  instanceTypes: string[];
  capacityType: string;
  minSize: number;
  desiredSize: number;
  maxSize: number;
  labels: Record<string, string>;
  taints: { key: string; value: string; effect: string }[];
}) => ({
  types: g.instanceTypes,
  capacity: g.capacityType,
  min: g.minSize,
  desired: g.desiredSize,
  max: g.maxSize,
  labels: g.labels,
  taints: g.taints.map((t) => `${t.key}=${t.value}:${t.effect}`),
});

describe('mvp-500 resolves to the numbers of seed-facts §2–§8', () => {
  const c = parseConfigText(minimal('mvp-500'), 'mvp.yaml');
  it('network §2.1', () => {
    expect(c.network).toMatchObject({ vpcCidr: '10.0.0.0/16', azCount: 2, natGateways: 1, flowLogRetentionDays: 90 });
    expect(c.network.subnets).toEqual({
      public: ['10.0.0.0/20', '10.0.16.0/20'],
      private: ['10.0.32.0/19', '10.0.64.0/19'],
      database: ['10.0.96.0/21', '10.0.104.0/21'],
    });
    expect(c.aws.region).toBe('us-east-1');
  });
  it('node groups §3 with labels and taints declared on the group', () => {
    const g = c.cluster.nodeGroups;
    expect(Object.keys(g)).toEqual(['coder-system', 'coder-prov', 'coder-ws']);
    expect(groupView(g['coder-system']!)).toEqual({
      types: ['m7i.large'],
      capacity: 'ON_DEMAND',
      min: 2,
      desired: 2,
      max: 2,
      labels: { 'coder.com/node-type': 'control' },
      taints: ['coder-system=true:NoSchedule'],
    });
    expect(groupView(g['coder-prov']!)).toEqual({
      types: ['c7i.2xlarge'],
      capacity: 'ON_DEMAND',
      min: 1,
      desired: 1,
      max: 2,
      labels: { 'coder.com/node-type': 'provisioner' },
      taints: ['coder-prov=true:NoSchedule'],
    });
    expect(groupView(g['coder-ws']!)).toEqual({
      types: ['m7i.12xlarge'],
      capacity: 'ON_DEMAND',
      min: 2,
      desired: 2,
      max: 20,
      labels: { 'coder.com/node-type': 'workspace' },
      taints: ['coder-ws=true:NoSchedule'],
    });
    // Expected node count at rest: 2 + 1 + 2 = 5
    expect(Object.values(g).reduce((n, x) => n + x.desiredSize, 0)).toBe(5);
    expect(c.coder.replicas).toBe(2);
  });
  it('database §4 and backup §6', () => {
    expect(c.database).toMatchObject({
      engine: 'rds-postgres',
      engineVersion: '15',
      instanceClass: 'db.m7i.large',
      readers: 0,
      multiAz: true,
      allocatedStorageGiB: 100,
      backupRetentionDays: 7,
      longTermRetentionDays: 90,
      crossRegionCopyRegion: null,
      masterUsername: 'coder',
      databaseName: 'coder',
    });
    expect(c.backup).toEqual({ rtoMinutes: 120, rpoMinutes: 15, restoreTestCadence: 'monthly' });
  });
  it('schedule §7', () => {
    expect(c.schedule).toEqual({
      enabled: true,
      timezone: 'America/New_York',
      scaleUp: '06:45',
      scaleDown: '18:15',
      weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
      nodeGroups: { 'coder-prov': { peak: 2, offHours: 1 }, 'coder-ws': { peak: 10, offHours: 2 } },
    });
  });
  it('workspace sizes §8', () => {
    const sizes = Object.fromEntries(
      Object.entries(c.workspaces.sizes).map(([k, s]) => [k, [s.cpu, s.memoryGiB, s.storageGiB, s.share]]),
    );
    expect(sizes).toEqual({ s: [2, 4, 20, 25], m: [4, 8, 50, 60], l: [16, 32, 100, 15] });
    expect(c.workspaces.concurrent).toBe(500);
  });
});

describe('scale-3000 resolves to the numbers of seed-facts §2.2–§8', () => {
  const c = parseConfigText(minimal('scale-3000'), 'scale.yaml');
  it('network §2.2: the valid layout, one /20 per AZ for workspaces', () => {
    expect(c.network).toMatchObject({ vpcCidr: '10.0.0.0/16', azCount: 3, natGateways: 3, flowLogRetentionDays: 90 });
    expect(c.network.subnets).toEqual({
      public: ['10.0.0.0/20', '10.0.16.0/20', '10.0.32.0/20'],
      control: ['10.0.48.0/20', '10.0.64.0/20', '10.0.80.0/20'],
      provisioner: ['10.0.96.0/20', '10.0.112.0/20', '10.0.128.0/20'],
      workspace: ['10.0.144.0/20', '10.0.160.0/20', '10.0.176.0/20'],
      database: ['10.0.208.0/21', '10.0.216.0/21', '10.0.224.0/21'],
    });
  });
  it('node groups §3 plus the on-demand fallback group (defect 4)', () => {
    const g = c.cluster.nodeGroups;
    expect(groupView(g['coder-control']!)).toEqual({
      types: ['m5.large'],
      capacity: 'ON_DEMAND',
      min: 2,
      desired: 2,
      max: 3,
      labels: { 'coder.com/node-type': 'control' },
      taints: ['coder-control=true:NoSchedule'],
    });
    expect(groupView(g['coder-prov']!)).toEqual({
      types: ['c5.2xlarge'],
      capacity: 'ON_DEMAND',
      min: 0,
      desired: 0,
      max: 20,
      labels: { 'coder.com/node-type': 'provisioner' },
      taints: ['coder-prov=true:NoSchedule'],
    });
    expect(groupView(g['coder-ws']!)).toMatchObject({
      capacity: 'SPOT',
      min: 10,
      desired: 10,
      max: 200,
      labels: { 'coder.com/node-type': 'workspace', 'coder.com/spot': 'true' },
      taints: ['coder-ws=true:NoSchedule'],
    });
    expect(g['coder-ws']!.instanceTypes[0]).toBe('m5.2xlarge');
    expect(g['coder-ws-ondemand']).toMatchObject({
      capacityType: 'ON_DEMAND',
      minSize: 0,
      fallbackFor: 'coder-ws',
      instanceTypes: ['m5.2xlarge'],
    });
    expect(Object.values(g).reduce((n, x) => n + x.desiredSize, 0)).toBe(12);
  });
  it('database §4: Aurora Serverless v2, 0.5–16 ACU, 2 readers; automated retention ≤ 35, 90 d through AWS Backup to us-west-2', () => {
    expect(c.database).toMatchObject({
      engine: 'aurora-serverless-v2',
      engineVersion: '16.6',
      minAcu: 0.5,
      maxAcu: 16,
      readers: 2,
      multiAz: true,
      backupRetentionDays: 35,
      longTermRetentionDays: 90,
      crossRegionCopyRegion: 'us-west-2',
      masterUsername: 'coder_admin',
      databaseName: 'coder',
      deletionProtection: true,
    });
    expect(c.database.instanceClass).toBeUndefined();
  });
  it('schedule §7: provisioner 0 → 5 → 0, workspace 10 → 50 → 10, control never scheduled', () => {
    expect(c.schedule).toMatchObject({
      enabled: true,
      timezone: 'America/New_York',
      scaleUp: '06:45',
      scaleDown: '18:15',
      weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
    });
    expect(c.schedule.nodeGroups).toEqual({
      'coder-prov': { peak: 5, offHours: 0 },
      'coder-ws': { peak: 50, offHours: 10 },
    });
  });
  it('workspace sizes §8 with [pub-S] profile names', () => {
    const sizes = Object.fromEntries(
      Object.entries(c.workspaces.sizes).map(([k, s]) => [k, [s.cpu, s.memoryGiB, s.storageGiB, s.template]]),
    );
    expect(sizes).toMatchObject({
      'sw-dev-small': [2, 4, 20, 'pod-swdev'],
      'sw-dev-medium': [4, 8, 50, 'pod-swdev'],
      'sw-dev-large': [8, 16, 100, 'pod-swdev'],
      'platform-devsecops': [4, 8, 100, 'pod-swdev'],
      'datasci-standard': [8, 32, 500, 'ec2-datasci'],
      'datasci-large': [16, 64, 1000, 'ec2-datasci-gpu'],
      'datasci-xlarge': [32, 64, 2000, 'ec2-datasci-gpu'],
    });
    expect(Object.keys(c.workspaces.sizes)).toHaveLength(7);
    expect(c.workspaces.concurrent).toBe(3000);
  });
});

describe('domains', () => {
  it.each(['example.com', 'dev.example.co.uk', 'a-b.c-d.example.io'])('%s is accepted', (domain) => {
    const c = parseConfigText(minimal('mvp-500').replace('example.com\n', `${domain}\n`), 'x.yaml');
    expect(c.dns.domain).toBe(domain);
  });
});
