import { DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeNatGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeClusterVersionsCommand } from '@aws-sdk/client-eks';
import { ListHostedZonesByNameCommand } from '@aws-sdk/client-route-53';
import { ListAWSDefaultServiceQuotasCommand, ListServiceQuotasCommand } from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { ExternalError } from '../../src/errors.js';
import { runPreflightChecks } from '../../src/phases/preflight/service.js';
import type { PreflightReport } from '../../src/phases/preflight/types.js';
import { ACCOUNT, awsError, checkById, fakeAccount, fakeRunner, restoreFake, servicesFor } from './aws-fakes.js';
import { profileConfig } from './fixtures.js';

type Fake = ReturnType<typeof fakeAccount>;
let fake: Fake | undefined;
afterEach(() => {
  restoreFake(fake);
  fake = undefined;
});

async function preflight(
  profile: 'mvp-500' | 'scale-3000',
  overrides = {},
  setup: (f: Fake) => void = () => undefined,
  runner = fakeRunner(),
): Promise<PreflightReport> {
  fake = fakeAccount();
  setup(fake);
  const config = profileConfig(profile, overrides);
  return runPreflightChecks(config, servicesFor(config, { runner }), new RecordingHost());
}

const byId = checkById;

describe('preflight checks against a healthy account', () => {
  it('passes every check for scale-3000 (exit 0)', async () => {
    const report = await preflight('scale-3000');
    expect(report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.message}`)).toEqual([
      // ec2-windev-gui is enabled but no size uses it: its instances cannot be billed
      expect.stringContaining('quota-unbilled-template-ec2-windev-gui'),
      // the profiles' private endpoint: day1 has to reach the VPC, and the warning says how
      expect.stringContaining('eks-endpoint: EKS API endpoint is private only'),
      // SW Dev Large's 8 vCPU limit is above an m5.2xlarge's 7.91 allocatable
      expect.stringContaining('capacity-size-sw-dev-large'),
    ]);
    expect(report.summary).toMatchObject({ fail: 0, criticalFailures: 0, unchecked: 0, exitCode: 0 });
    expect(byId(report, 'identity').current).toContain(ACCOUNT);
  });
});

describe('identity', () => {
  it('fails when the account differs from aws.accountId', async () => {
    const report = await preflight('mvp-500', { aws: { accountId: '999999999999' } });
    expect(byId(report, 'identity')).toMatchObject({ status: 'fail', critical: true, required: '999999999999' });
    expect(report.summary.exitCode).toBe(1);
  });
  it('warns for the root user', async () => {
    const report = await preflight('mvp-500', {}, (f) =>
      f.sts
        .on(GetCallerIdentityCommand)
        .resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root`, UserId: ACCOUNT }),
    );
    expect(byId(report, 'identity')).toMatchObject({ status: 'warn', message: expect.stringContaining('root user') });
  });
  it('expired credentials end the preflight with an exit-3 ExternalError that says so', async () => {
    const run = preflight('mvp-500', {}, (f) =>
      f.sts
        .on(GetCallerIdentityCommand)
        .rejects(awsError('ExpiredTokenException', 'The security token included in the request is expired')),
    );
    await expect(run).rejects.toBeInstanceOf(ExternalError);
    await expect(run).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringContaining('credentials are missing, invalid or expired'),
      nextSteps: expect.arrayContaining([expect.stringContaining('aws sso login')]),
    });
  });
});

describe('region', () => {
  it('fails when a chosen AZ is not available', async () => {
    const report = await preflight('mvp-500', { aws: { availabilityZones: ['us-east-1a', 'us-east-1x'] } }, (f) =>
      f.ec2.on(DescribeAvailabilityZonesCommand).resolves({
        AvailabilityZones: [
          { ZoneName: 'us-east-1a', State: 'available' },
          { ZoneName: 'us-east-1b', State: 'available' },
        ],
      }),
    );
    expect(byId(report, 'region-azs')).toMatchObject({
      status: 'fail',
      message: 'us-east-1x is not available in us-east-1',
    });
  });
  it('fails a group whose only type is missing in an AZ, warns when other types of the group cover it', async () => {
    const report = await preflight('scale-3000', {}, (f) =>
      f.ec2
        .on(DescribeInstanceTypeOfferingsCommand)
        .callsFake((input: { Filters: { Name: string; Values: string[] }[] }) => {
          const types = input.Filters.find((x) => x.Name === 'instance-type')!.Values;
          const zones = input.Filters.find((x) => x.Name === 'location')!.Values;
          const missing = new Set(['c5.2xlarge@us-east-1c', 'm5a.2xlarge@us-east-1b']);
          return {
            InstanceTypeOfferings: types.flatMap((t) =>
              zones.filter((z) => !missing.has(`${t}@${z}`)).map((z) => ({ InstanceType: t, Location: z })),
            ),
          };
        }),
    );
    expect(byId(report, 'region-offerings-coder-prov')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('cannot launch in us-east-1c'),
    });
    expect(byId(report, 'region-offerings-coder-ws')).toMatchObject({
      status: 'warn',
      current: 'missing: m5a.2xlarge in us-east-1b',
    });
    expect(byId(report, 'region-offerings-coder-control').status).toBe('pass');
  });
  it('reports a region that is not enabled', async () => {
    const report = await preflight('mvp-500', {}, (f) =>
      f.ec2
        .on(DescribeAvailabilityZonesCommand)
        .rejects(awsError('OptInRequired', 'You are not subscribed to this service.')),
    );
    expect(byId(report, 'region-enabled')).toMatchObject({ status: 'fail', current: 'not enabled' });
  });
});

describe('network', () => {
  it('warns when the VPC CIDR overlaps an existing VPC, following DescribeVpcs pages', async () => {
    const report = await preflight('mvp-500', {}, (f) =>
      f.ec2
        .on(DescribeVpcsCommand)
        .resolvesOnce({ Vpcs: [{ VpcId: 'vpc-a', CidrBlock: '172.31.0.0/16' }], NextToken: 'p2' })
        .resolves({ Vpcs: [{ VpcId: 'vpc-b', CidrBlock: '10.0.128.0/17', Tags: [{ Key: 'Name', Value: 'legacy' }] }] }),
    );
    expect(byId(report, 'network-vpc-cidr')).toMatchObject({
      status: 'warn',
      critical: false,
      message: '10.0.0.0/16 overlaps vpc-b (legacy) 10.0.128.0/17',
    });
    expect(report.summary.exitCode).toBe(0);
  });
  it('names the IAM action when DescribeVpcs is denied, and the run exits 3', async () => {
    const report = await preflight('mvp-500', {}, (f) =>
      f.ec2
        .on(DescribeVpcsCommand)
        .rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403)),
    );
    const check = byId(report, 'network');
    expect(check).toMatchObject({ status: 'fail', unchecked: true });
    expect(check.message).toContain('ec2:DescribeVpcs');
    expect(check.fix).toContain('Grant the IAM action ec2:DescribeVpcs');
    expect(report.summary.exitCode).toBe(3);
  });
});

describe('DNS and TLS', () => {
  const withCert = {
    dns: { certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012' },
  };
  it('passes an ISSUED certificate covering host and wildcard', async () => {
    const report = await preflight('mvp-500', withCert);
    expect(byId(report, 'dns-certificate').status).toBe('pass');
  });
  it('fails a certificate without the wildcard, or not yet issued', async () => {
    const report = await preflight('mvp-500', withCert, (f) =>
      f.acm.on(DescribeCertificateCommand).resolves({
        Certificate: {
          Status: 'PENDING_VALIDATION',
          DomainName: 'coder.example.com',
          SubjectAlternativeNames: ['coder.example.com', '*.example.com'],
        },
      }),
    );
    // *.example.com covers coder.example.com but not *.coder.example.com
    expect(byId(report, 'dns-certificate')).toMatchObject({
      status: 'fail',
      critical: true,
      message: 'certificate status PENDING_VALIDATION, does not cover *.coder.example.com',
    });
  });
  it('warns with a delegation hint when no public zone exists (read in us-east-1)', async () => {
    const report = await preflight('mvp-500', { aws: { region: 'eu-west-1' }, network: {} }, (f) =>
      f.r53.on(ListHostedZonesByNameCommand).resolves({
        HostedZones: [
          { Id: '/hostedzone/ZPRIV', Name: 'example.com.', CallerReference: 'x', Config: { PrivateZone: true } },
          { Id: '/hostedzone/ZOTHER', Name: 'example.org.', CallerReference: 'y' },
        ],
      }),
    );
    expect(byId(report, 'dns-hosted-zone')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('NS records'),
    });
    const call = fake!.r53.commandCalls(ListHostedZonesByNameCommand)[0]!;
    expect(await (call.thisValue as { config: { region: () => Promise<string> } }).config.region()).toBe('us-east-1');
  });
});

describe('CDK bootstrap', () => {
  it('prints the exact bootstrap command when CDKToolkit does not exist', async () => {
    const report = await preflight('mvp-500', {}, (f) =>
      f.cfn.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id CDKToolkit does not exist')),
    );
    expect(byId(report, 'cdk-bootstrap')).toMatchObject({
      status: 'fail',
      critical: true,
      fix: `Run: cdk bootstrap aws://${ACCOUNT}/us-east-1`,
    });
  });
  it('fails a bootstrap stack older than the minimum version', async () => {
    const report = await preflight('mvp-500', {}, (f) =>
      f.cfn.on(DescribeStacksCommand).resolves({
        Stacks: [
          {
            StackName: 'CDKToolkit',
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(),
            Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '4' }],
          },
        ],
      }),
    );
    expect(byId(report, 'cdk-bootstrap')).toMatchObject({ status: 'fail', current: 'version 4' });
  });
});

describe('EKS version', () => {
  it('warns in extended support with the end date', async () => {
    const report = await preflight(
      'mvp-500',
      { cluster: { kubernetesVersion: '1.31' } },
      () => undefined,
      fakeRunner({ kubectl: JSON.stringify({ clientVersion: { major: '1', minor: '31', gitVersion: 'v1.31.4' } }) }),
    );
    expect(byId(report, 'eks-version')).toMatchObject({
      status: 'warn',
      message: 'Kubernetes 1.31 is in extended support (extra hourly cost) until 2026-11-26',
    });
  });
  it('fails a version EKS does not offer, listing the ones it does', async () => {
    const report = await preflight(
      'mvp-500',
      { cluster: { kubernetesVersion: '1.27' } },
      () => undefined,
      fakeRunner({ kubectl: JSON.stringify({ clientVersion: { major: '1', minor: '27' } }) }),
    );
    expect(byId(report, 'eks-version')).toMatchObject({
      status: 'fail',
      fix: 'Set cluster.kubernetesVersion to one of: 1.31, 1.33, 1.34.',
    });
  });
  it('retries a throttled DescribeClusterVersions and then succeeds', async () => {
    const report = await preflight('mvp-500', {}, (f) =>
      f.eks
        .on(DescribeClusterVersionsCommand)
        .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
        .resolves({
          clusterVersions: [
            {
              clusterVersion: '1.34',
              versionStatus: 'STANDARD_SUPPORT',
              endOfStandardSupportDate: new Date('2026-12-02'),
            },
          ],
        }),
    );
    expect(byId(report, 'eks-version').status).toBe('pass');
    expect(fake!.eks.commandCalls(DescribeClusterVersionsCommand)).toHaveLength(2);
  });
});

describe('tools', () => {
  it('fails a missing kubectl with its install hint and a kubectl two minors away', async () => {
    const missing = await preflight('mvp-500', {}, () => undefined, fakeRunner({ kubectl: undefined }));
    expect(byId(missing, 'tool-kubectl')).toMatchObject({
      status: 'fail',
      current: 'not found',
      fix: expect.stringContaining('https://kubernetes.io/docs/tasks/tools/'),
    });
    const skewed = await preflight(
      'mvp-500',
      {},
      () => undefined,
      fakeRunner({ kubectl: JSON.stringify({ clientVersion: { major: '1', minor: '32', gitVersion: 'v1.32.0' } }) }),
    );
    expect(byId(skewed, 'tool-kubectl')).toMatchObject({ status: 'fail', current: '1.32.0', required: '1.33–1.35' });
    expect(byId(skewed, 'tool-helm').status).toBe('pass');
  });
  it('checks the AWS CLI only when cluster auth needs it, and wants v2', async () => {
    const native = await preflight('mvp-500', {}, () => undefined, fakeRunner({ aws: undefined }));
    expect(native.checks.map((c) => c.id)).not.toContain('tool-aws-cli');
    const v1 = await preflight(
      'mvp-500',
      { cluster: { authMethod: 'aws-cli' } },
      () => undefined,
      fakeRunner({ aws: 'aws-cli/1.29.0 Python/3.9' }),
    );
    expect(byId(v1, 'tool-aws-cli')).toMatchObject({ status: 'fail', current: '1.29.0' });
    const helm2 = await preflight('mvp-500', {}, () => undefined, fakeRunner({ helm: 'Client: v2.17.0+ga690bad' }));
    expect(byId(helm2, 'tool-helm')).toMatchObject({ status: 'fail', current: '2.17.0' });
  });
});

describe('service quotas', () => {
  it('falls back to the AWS default when no applied value exists, and follows ListServiceQuotas pages', async () => {
    fake = fakeAccount({ applied: { 'L-34B43A08': 100_000 }, defaults: { 'L-1216C47A': 5 } });
    fake.sq
      .on(ListServiceQuotasCommand, { ServiceCode: 'ec2' })
      .resolvesOnce({ Quotas: [], NextToken: 'page-2' })
      .resolves({
        Quotas: [
          {
            ServiceCode: 'ec2',
            QuotaCode: 'L-34B43A08',
            QuotaName: 'All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests',
            Value: 100_000,
            Adjustable: true,
          },
          {
            ServiceCode: 'ec2',
            QuotaCode: 'L-1216C47A',
            QuotaName: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
            ErrorReason: { ErrorCode: 'DEPENDENCY_ACCESS_DENIED_ERROR', ErrorMessage: 'denied' },
          },
        ],
      });
    const config = profileConfig('scale-3000');
    const report = await runPreflightChecks(config, servicesFor(config), new RecordingHost());
    expect(byId(report, 'quota-ec2-spot-standard-vcpu')).toMatchObject({
      status: 'pass',
      current: expect.stringContaining('100,000 applied'),
    });
    // On-Demand Standard: no applied value → default 5 vCPU, short of 2,216
    expect(byId(report, 'quota-ec2-ondemand-standard-vcpu')).toMatchObject({
      status: 'fail',
      critical: true,
      quotaCode: 'ec2/L-1216C47A',
      required: '2,216 vCPU',
      current: '5 default (applied value unavailable: DEPENDENCY_ACCESS_DENIED_ERROR), 0 in use',
    });
    expect(fake.sq.commandCalls(ListServiceQuotasCommand, { ServiceCode: 'ec2' })).toHaveLength(2);
    expect(fake.sq.commandCalls(ListAWSDefaultServiceQuotasCommand, { ServiceCode: 'ec2' })).toHaveLength(1);
  });

  it('subtracts CloudWatch usage and classifies critical vs warning', async () => {
    // 2,500 applied On-Demand Standard vCPU, 400 in use: 2,216 + 400 > 2,500 → critical fail; ENIs 1,000 < 1,575 → warn
    fake = fakeAccount({
      applied: {},
      defaults: { 'L-1216C47A': 2500, 'L-34B43A08': 5000, 'L-DB2E81BA': 4000, 'L-DF5E4CA3': 1000 },
      usage: { 'L-1216C47A': 400 },
    });
    const config = profileConfig('scale-3000');
    const report = await runPreflightChecks(config, servicesFor(config), new RecordingHost());
    expect(byId(report, 'quota-ec2-ondemand-standard-vcpu')).toMatchObject({
      status: 'fail',
      current: '2,500 default, 400 in use',
      fix: expect.stringContaining('--desired-value 2616'),
    });
    expect(byId(report, 'quota-vpc-network-interfaces')).toMatchObject({ status: 'warn', critical: false });
    expect(byId(report, 'quota-ec2-spot-standard-vcpu').status).toBe('pass');
    // the route53 listing goes to us-east-1 even though every other one follows the deployment region
    const r53Call = fake.sq.commandCalls(ListServiceQuotasCommand, { ServiceCode: 'route53' })[0]!;
    expect(await (r53Call.thisValue as { config: { region: () => Promise<string> } }).config.region()).toBe(
      'us-east-1',
    );
    expect(report.summary.exitCode).toBe(1);
  });

  it('counts what the account already holds: NAT gateways in the busiest chosen AZ, Elastic IPs without BYOIP', async () => {
    fake = fakeAccount({ applied: {}, defaults: { 'L-FE5A380F': 5, 'L-0263D0A3': 5 } });
    fake.ec2.on(DescribeNatGatewaysCommand).resolves({
      NatGateways: ['a', 'a', 'a', 'a', 'a', 'b', 'x'].map((az, i) => ({
        NatGatewayId: `nat-${i}`,
        SubnetId: `subnet-${az}${i}`,
      })),
    });
    fake.ec2.on(DescribeSubnetsCommand).callsFake((input: { SubnetIds: string[] }) => ({
      Subnets: input.SubnetIds.map((id) => ({ SubnetId: id, AvailabilityZone: `us-east-1${id.slice(7, 8)}` })),
    }));
    fake.ec2.on(DescribeAddressesCommand).resolves({
      Addresses: [1, 2, 3, 4].map((i) => ({
        AllocationId: `eipalloc-${i}`,
        Domain: 'vpc' as const,
        PublicIpv4Pool: i === 4 ? 'ipv4pool-ec2-byoip' : 'amazon',
      })),
    });
    const config = profileConfig('mvp-500');
    const report = await runPreflightChecks(config, servicesFor(config), new RecordingHost());
    // us-east-1a already holds 5 NAT gateways of 5: no room for ours
    expect(byId(report, 'quota-vpc-nat-per-az')).toMatchObject({
      status: 'fail',
      critical: true,
      current: '5 default, 5 in use in the busiest AZ',
    });
    // 3 Amazon-pool addresses + 1 NAT EIP ≤ 5 (the BYOIP address does not count)
    expect(byId(report, 'quota-ec2-elastic-ips')).toMatchObject({ status: 'pass', current: '5 default, 3 in use' });
  });

  it('gives the support-case hint for a quota that is not adjustable', async () => {
    fake = fakeAccount({ applied: {}, defaults: { 'L-1216C47A': 100 }, notAdjustable: ['L-1216C47A'] });
    const config = profileConfig('mvp-500');
    const report = await runPreflightChecks(config, servicesFor(config), new RecordingHost());
    expect(byId(report, 'quota-ec2-ondemand-standard-vcpu').fix).toContain('open a support case');
  });

  it('fails loudly when a code returns a different quota name', async () => {
    fake = fakeAccount({ names: { 'L-7A658B76': 'Storage for General Purpose SSD (gp2) volumes, in TiB' } });
    const config = profileConfig('mvp-500');
    const report = await runPreflightChecks(config, servicesFor(config), new RecordingHost());
    expect(byId(report, 'quota-ebs-gp3-tib')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('the code table is wrong'),
    });
  });

  it('names servicequotas:ListServiceQuotas when it is denied', async () => {
    fake = fakeAccount();
    fake.sq.on(ListServiceQuotasCommand).rejects(awsError('AccessDeniedException', 'User is not authorized', 400));
    const config = profileConfig('mvp-500');
    const report = await runPreflightChecks(config, servicesFor(config), new RecordingHost());
    expect(byId(report, 'quotas')).toMatchObject({
      status: 'fail',
      unchecked: true,
      message: expect.stringContaining('servicequotas:ListServiceQuotas'),
    });
  });
});

describe('EKS API endpoint exposure', () => {
  it('private only (the default): warns and says how day1 reaches the cluster', async () => {
    const report = await preflight('mvp-500');
    expect(byId(report, 'eks-endpoint')).toMatchObject({
      status: 'warn',
      critical: false,
      current: 'private only',
      fix: expect.stringMatching(/CI runner or an SSM session on an instance in the VPC.*publicCidrs/),
    });
  });
  it('limited to configured CIDRs: passes', async () => {
    const report = await preflight('mvp-500', {
      cluster: { endpointAccess: { mode: 'public-and-private', publicCidrs: ['203.0.113.0/24'] } },
    });
    expect(byId(report, 'eks-endpoint')).toMatchObject({ status: 'pass', current: 'public from 203.0.113.0/24' });
  });
  it("world-open: warns that it is the operator's explicit choice", async () => {
    const report = await preflight('mvp-500', {
      cluster: { endpointAccess: { mode: 'public-and-private', publicCidrs: ['0.0.0.0/0'] } },
    });
    expect(byId(report, 'eks-endpoint')).toMatchObject({
      status: 'warn',
      current: 'public to 0.0.0.0/0',
      message: expect.stringContaining('whole internet'),
    });
  });
});

describe('CloudTrail', () => {
  const orgTrail = {
    Name: 'org-trail',
    TrailARN: 'arn:aws:cloudtrail:us-west-2:999999999999:trail/org-trail',
    HomeRegion: 'us-west-2',
    IsOrganizationTrail: true,
    IsMultiRegionTrail: true,
  };
  const regional = {
    Name: 'one-region',
    TrailARN: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/one-region`,
    HomeRegion: 'us-east-1',
    IsOrganizationTrail: false,
    IsMultiRegionTrail: false,
  };
  const withTrails = (logging: boolean) => (f: Fake) => {
    f.ct.on(DescribeTrailsCommand, { includeShadowTrails: true }).resolves({ trailList: [regional, orgTrail] });
    f.ct.on(GetTrailStatusCommand, { Name: orgTrail.TrailARN }).resolves({ IsLogging: logging });
  };

  it('create with no covering trail: passes (the deployment creates one)', async () => {
    expect(byId(await preflight('mvp-500'), 'cloudtrail')).toMatchObject({ status: 'pass', area: 'audit' });
  });
  it('create while a logging organization trail covers the account: warns to set existing (asked for its status by ARN)', async () => {
    const report = await preflight('mvp-500', {}, withTrails(true));
    expect(byId(report, 'cloudtrail')).toMatchObject({
      status: 'warn',
      critical: false,
      message: expect.stringContaining('org-trail (organization trail, home us-west-2) already records this account'),
      fix: 'Set audit.cloudTrail: existing to create none.',
    });
    // the single-Region trail is not asked about; the organization trail by its ARN
    expect(fake?.ct.commandCalls(GetTrailStatusCommand).map((c) => c.args[0].input.Name)).toEqual([orgTrail.TrailARN]);
  });
  it('existing with a logging organization trail: passes, nothing is created', async () => {
    const report = await preflight('mvp-500', { audit: { cloudTrail: 'existing' } }, withTrails(true));
    expect(byId(report, 'cloudtrail')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('no trail is created'),
    });
  });
  it('existing but the organization trail is not logging: a critical failure', async () => {
    const report = await preflight('mvp-500', { audit: { cloudTrail: 'existing' } }, withTrails(false));
    expect(byId(report, 'cloudtrail')).toMatchObject({
      status: 'fail',
      critical: true,
      fix: expect.stringContaining('audit.cloudTrail: create'),
    });
    expect(report.summary.exitCode).toBe(1);
  });
  it('access denied names the IAM action and leaves the check unchecked', async () => {
    const report = await preflight('mvp-500', {}, (f) =>
      f.ct
        .on(DescribeTrailsCommand)
        .rejects(awsError('AccessDeniedException', 'not authorized to perform: cloudtrail:DescribeTrails')),
    );
    expect(byId(report, 'cloudtrail')).toMatchObject({
      status: 'fail',
      unchecked: true,
      message: expect.stringContaining('cloudtrail:DescribeTrails'),
    });
  });
});
