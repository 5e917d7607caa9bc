import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, ExitCode } from '../../src/errors.js';
import { deepMerge, parseConfigText } from '../../src/config/load.js';
import type { ConfigLayer } from '../../src/config/profiles.js';

const base = (profile = 'mvp-500'): ConfigLayer => ({
  apiVersion: 'coder-platform/v1',
  profile,
  dns: { domain: 'example.com' },
  coder: { admin: { email: 'admin@example.com' } },
});

interface Case {
  name: string;
  layer: ConfigLayer;
  profile?: string;
  /** The key path the error must name. */
  path: string;
  /** The YAML line the error must point at (first line matching). */
  at: RegExp;
  /** Part of the message. */
  message?: RegExp;
}

const ws = (patch: ConfigLayer) => ({ cluster: { nodeGroups: { 'coder-ws': patch } } });
const CASES: Case[] = [
  {
    name: 'overlapping CIDRs',
    layer: { network: { subnets: { private: ['10.0.32.0/19', '10.0.0.0/19'] } } },
    path: 'network.subnets.private[1]',
    at: /- 10\.0\.0\.0\/19/,
    message: /overlaps/,
  },
  {
    name: 'host bits set in a subnet',
    layer: { network: { subnets: { private: ['10.0.33.0/19', '10.0.64.0/19'] } } },
    path: 'network.subnets.private[0]',
    at: /- 10\.0\.33\.0\/19/,
    message: /host bits/,
  },
  {
    name: 'host bits set in the VPC CIDR',
    layer: { network: { vpcCidr: '10.0.0.1/16' } },
    path: 'network.vpcCidr',
    at: /vpcCidr:/,
    message: /host bits/,
  },
  {
    name: 'subnet outside the VPC',
    layer: { network: { subnets: { database: ['10.0.96.0/21', '10.1.104.0/21'] } } },
    path: 'network.subnets.database[1]',
    at: /- 10\.1\.104\.0\/21/,
    message: /outside the VPC/,
  },
  {
    name: 'a tier missing an AZ',
    layer: { network: { subnets: { private: ['10.0.32.0/19'] } } },
    path: 'network.subnets.private',
    at: /^\s+private:/,
    message: /one per AZ/,
  },
  {
    name: 'subnet too small for the node groups',
    layer: { network: { subnets: { private: ['10.0.32.0/26', '10.0.64.0/26'] } } },
    path: 'network.subnets.private',
    at: /^\s+private:/,
    message: /too small/,
  },
  {
    name: 'NAT gateways above AZ count',
    layer: { network: { natGateways: 3 } },
    path: 'network.natGateways',
    at: /natGateways:/,
    message: /at most one per AZ/,
  },
  { name: 'not a CIDR', layer: { network: { vpcCidr: '10.0.0.0' } }, path: 'network.vpcCidr', at: /vpcCidr:/ },
  {
    name: 'flow-log retention not a CloudWatch value',
    layer: { network: { flowLogRetentionDays: 45 } },
    path: 'network.flowLogRetentionDays',
    at: /flowLogRetentionDays:/,
  },
  {
    name: 'min > desired',
    layer: ws({ minSize: 5 }),
    path: 'cluster.nodeGroups.coder-ws.minSize',
    at: /minSize: 5/,
    message: /above desiredSize/,
  },
  {
    name: 'min > max',
    layer: ws({ minSize: 30, desiredSize: 30 }),
    path: 'cluster.nodeGroups.coder-ws.desiredSize',
    at: /desiredSize: 30/,
    message: /above maxSize 20/,
  },
  {
    name: 'unknown instance type',
    layer: ws({ instanceTypes: ['m7z.huge'] }),
    path: 'cluster.nodeGroups.coder-ws.instanceTypes[0]',
    at: /- m7z\.huge/,
    message: /not in the sizing table/,
  },
  {
    name: 'malformed instance type',
    layer: ws({ instanceTypes: ['m5'] }),
    path: 'cluster.nodeGroups.coder-ws.instanceTypes[0]',
    at: /- m5$/,
  },
  {
    name: 'capacity type in the wrong case',
    layer: ws({ capacityType: 'spot' }),
    path: 'cluster.nodeGroups.coder-ws.capacityType',
    at: /capacityType: spot/,
    message: /found "spot"/,
  },
  {
    name: 'node group in an undefined tier',
    layer: ws({ subnetTier: 'nowhere' }),
    path: 'cluster.nodeGroups.coder-ws.subnetTier',
    at: /subnetTier: nowhere/,
    message: /not defined/,
  },
  {
    name: 'Kubernetes version not a minor',
    layer: { cluster: { kubernetesVersion: '1.3' } },
    path: 'cluster.kubernetesVersion',
    at: /kubernetesVersion:/,
  },
  {
    name: 'unknown timezone',
    layer: { schedule: { timezone: 'America/Gotham' } },
    path: 'schedule.timezone',
    at: /timezone: America\/Gotham/,
    message: /IANA/,
  },
  {
    name: 'bad HH:MM',
    layer: { schedule: { scaleUp: '6:45' } },
    path: 'schedule.scaleUp',
    at: /scaleUp:/,
    message: /HH:MM/,
  },
  { name: 'hour 24', layer: { schedule: { scaleDown: '24:00' } }, path: 'schedule.scaleDown', at: /scaleDown:/ },
  {
    name: 'scale-up equals scale-down',
    layer: { schedule: { scaleUp: '18:15' } },
    path: 'schedule.scaleDown',
    at: /^schedule:/,
    message: /differ/,
  },
  {
    name: 'off-hours > peak',
    layer: { schedule: { nodeGroups: { 'coder-ws': { peak: 10, offHours: 12 } } } },
    path: 'schedule.nodeGroups.coder-ws.offHours',
    at: /offHours: 12/,
    message: /above peak/,
  },
  {
    name: 'peak > max',
    layer: { schedule: { nodeGroups: { 'coder-ws': { peak: 30, offHours: 2 } } } },
    path: 'schedule.nodeGroups.coder-ws.peak',
    at: /peak: 30/,
    message: /maxSize 20/,
  },
  {
    name: 'a weekday twice',
    layer: { schedule: { weekdays: ['MON', 'MON'] } },
    path: 'schedule.weekdays',
    at: /weekdays:/,
    message: /twice/,
  },
  {
    name: 'literal OIDC client secret',
    layer: {
      coder: { oidc: { issuerUrl: 'https://login.example.com/', clientId: 'coder', clientSecret: 'Sup3rS3cretValue' } },
    },
    path: 'coder.oidc.clientSecret',
    at: /clientSecret:/,
    message: /not the secret itself/,
  },
  {
    name: 'literal license',
    layer: { coder: { license: 'eyJhbGciOiJFZERTQSJ9' } },
    path: 'coder.license',
    at: /license:/,
    message: /secret reference/,
  },
  {
    name: 'OIDC issuer over http',
    layer: { coder: { oidc: { issuerUrl: 'http://login.example.com/', clientId: 'coder', clientSecret: 'env:OIDC' } } },
    path: 'coder.oidc.issuerUrl',
    at: /issuerUrl:/,
  },
  {
    name: 'bad domain',
    layer: { dns: { domain: 'example..com' } },
    path: 'dns.domain',
    at: /domain: example\.\.com/,
    message: /not a valid/,
  },
  { name: 'upper-case domain', layer: { dns: { domain: 'Example.COM' } }, path: 'dns.domain', at: /domain: Example/ },
  { name: 'subdomain with a dot', layer: { dns: { subdomain: 'co.der' } }, path: 'dns.subdomain', at: /subdomain:/ },
  {
    name: 'certificate in another region',
    layer: {
      dns: { certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab' },
    },
    path: 'dns.certificateArn',
    at: /certificateArn:/,
    message: /deployment region/,
  },
  {
    name: 'bad hosted zone id',
    layer: { dns: { hostedZoneId: 'zone-1' } },
    path: 'dns.hostedZoneId',
    at: /hostedZoneId:/,
  },
  {
    name: 'automated retention > 35',
    layer: { database: { backupRetentionDays: 90 } },
    path: 'database.backupRetentionDays',
    at: /backupRetentionDays: 90/,
    message: /at most 35/,
  },
  {
    name: 'automated retention > 35 on Aurora',
    profile: 'scale-3000',
    layer: { database: { backupRetentionDays: 36 } },
    path: 'database.backupRetentionDays',
    at: /backupRetentionDays: 36/,
    message: /longTermRetentionDays/,
  },
  {
    name: 'ACU on rds-postgres',
    layer: { database: { minAcu: 0.5 } },
    path: 'database.minAcu',
    at: /minAcu:/,
    message: /aurora-serverless-v2/,
  },
  {
    name: 'copy region equals the deployment region',
    profile: 'scale-3000',
    layer: { database: { crossRegionCopyRegion: 'us-east-1' } },
    path: 'database.crossRegionCopyRegion',
    at: /crossRegionCopyRegion:/,
    message: /differ/,
  },
  {
    name: 'unknown database engine',
    layer: { database: { engine: 'mysql' } },
    path: 'database.engine',
    at: /engine: mysql/,
    message: /found "mysql"/,
  },
  {
    name: 'a public endpoint without CIDRs',
    layer: { cluster: { endpointAccess: { mode: 'public-and-private' } } },
    path: 'cluster.endpointAccess.publicCidrs',
    at: /^\s+endpointAccess:/,
    message: /no world-open default/,
  },
  {
    name: 'CIDRs on a private endpoint',
    layer: { cluster: { endpointAccess: { mode: 'private', publicCidrs: ['203.0.113.0/24'] } } },
    path: 'cluster.endpointAccess.publicCidrs',
    at: /publicCidrs:/,
    message: /would be ignored/,
  },
  {
    name: 'a public-only endpoint (private access is always on)',
    layer: { cluster: { endpointAccess: { mode: 'public', publicCidrs: ['203.0.113.0/24'] } } },
    path: 'cluster.endpointAccess.mode',
    at: /mode: public/,
    message: /private access is always on/,
  },
  {
    name: 'host bits in an endpoint CIDR',
    layer: { cluster: { endpointAccess: { mode: 'public-and-private', publicCidrs: ['203.0.113.7/24'] } } },
    path: 'cluster.endpointAccess.publicCidrs[0]',
    at: /- 203\.0\.113\.7\/24/,
    message: /host bits/,
  },
  {
    name: 'unknown CloudTrail choice',
    layer: { audit: { cloudTrail: 'skip' } },
    path: 'audit.cloudTrail',
    at: /cloudTrail: skip/,
  },
  {
    name: 'unknown key',
    layer: { network: { vpcCIDR: '10.0.0.0/16' } },
    path: 'network.vpcCIDR',
    at: /vpcCIDR:/,
    message: /unknown key/,
  },
  { name: 'unknown top-level key', layer: { netwrok: {} }, path: 'netwrok', at: /^netwrok:/, message: /unknown key/ },
  {
    name: 'bad semver',
    layer: { coder: { version: 'v2.35' } },
    path: 'coder.version',
    at: /version: v2\.35/,
    message: /semantic version/,
  },
  {
    name: 'bad admin e-mail',
    layer: { coder: { admin: { email: 'not-an-email' } } },
    path: 'coder.admin.email',
    at: /email: not-an-email/,
  },
  { name: 'bad region', layer: { aws: { region: 'us-east' } }, path: 'aws.region', at: /region: us-east/ },
  { name: 'short account id', layer: { aws: { accountId: '1234' } }, path: 'aws.accountId', at: /accountId:/ },
  {
    name: 'bad deployment name',
    layer: { deployment: { name: 'Coder_Prod' } },
    path: 'deployment.name',
    at: /name: Coder_Prod/,
  },
  {
    name: 'shares not adding up to 100',
    layer: { workspaces: { sizes: { s: { share: 30 } } } },
    path: 'workspaces.sizes',
    at: /^\s+sizes:/,
    message: /105%/,
  },
  {
    name: 'unknown template',
    layer: { workspaces: { templates: ['pod-swdev', 'win11'] } },
    path: 'workspaces.templates[1]',
    at: /- win11/,
  },
  {
    name: 'unknown profile',
    layer: {},
    profile: 'mvp-5000',
    path: 'profile',
    at: /^profile:/,
    message: /unknown profile/,
  },
];

describe('invalid configurations are rejected with key path, line and exit code 2', () => {
  it('has at least 30 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(30));

  it.each(CASES)('$name → $path', (c) => {
    const text = stringify(deepMerge(base(c.profile), c.layer));
    const expectedLine = text.split('\n').findIndex((line) => c.at.test(line)) + 1;
    expect(expectedLine, `pattern ${c.at} not in\n${text}`).toBeGreaterThan(0);
    let error: unknown;
    try {
      parseConfigText(text, 'coder-platform.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const config = error as ConfigError;
    expect(config.exitCode).toBe(ExitCode.Usage);
    const issue = config.issues.find((i) => i.path === c.path);
    expect(issue, `no issue at ${c.path}: ${config.message}`).toBeDefined();
    expect(issue!.line).toBe(expectedLine);
    expect(issue!.column).toBeGreaterThan(0);
    expect(issue!.example, 'every issue carries a valid example').toBeTruthy();
    if (c.message) expect(issue!.message).toMatch(c.message);
  });
});

describe('all problems are reported together', () => {
  it('a schema error does not hide the CIDR and timezone rules of other sections', () => {
    const text = stringify(
      deepMerge(base(), {
        coder: { version: 'latest' },
        network: { subnets: { private: ['10.0.33.0/19', '10.0.64.0/19'] } },
        schedule: { timezone: 'Mars/Olympus' },
      }),
    );
    const error = (() => {
      try {
        parseConfigText(text, 'c.yaml');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'coder.version',
      'network.subnets.private[0]',
      'schedule.timezone',
    ]);
    expect(error.issues.every((i) => typeof i.line === 'number')).toBe(true);
  });

  it('min > max in one node group is reported while another group has a schema error', () => {
    const text = stringify(
      deepMerge(base(), {
        cluster: {
          nodeGroups: { 'coder-ws': { minSize: 30, desiredSize: 30 }, 'coder-prov': { capacityType: 'spot' } },
        },
      }),
    );
    const error = (() => {
      try {
        parseConfigText(text, 'c.yaml');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'cluster.nodeGroups.coder-prov.capacityType',
      'cluster.nodeGroups.coder-ws.desiredSize',
    ]);
  });

  it('a YAML syntax error names its line', () => {
    expect(() => parseConfigText('profile: mvp-500\ndns:\n  domain: [example.com\n', 'c.yaml')).toThrowError(
      ConfigError,
    );
    try {
      parseConfigText('profile: mvp-500\ndns:\n  domain: example.com\n  domain: other.com\n', 'c.yaml');
    } catch (e) {
      expect((e as ConfigError).issues[0]!.line).toBe(4);
    }
  });
});
