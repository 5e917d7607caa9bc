/**
 * The per-check matrix the preflight promises: every AWS-calling check names its IAM action when its
 * first call is denied, and survives a throttled first call; plus the warn/fail cases of DNS, helm and
 * the CDK bootstrap stack that the other files do not reach.
 */
import { DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAvailabilityZonesCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { DescribeClusterVersionsCommand } from '@aws-sdk/client-eks';
import { ListHostedZonesByNameCommand } from '@aws-sdk/client-route-53';
import { ListServiceQuotasCommand } from '@aws-sdk/client-service-quotas';
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

const CERT_ARN = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012`;
const withCert = { dns: { certificateArn: CERT_ARN } };

async function preflight(
  overrides = {},
  setup: (f: Fake) => void = () => undefined,
  runner = fakeRunner(),
  profile: 'mvp-500' | 'scale-3000' = 'mvp-500',
): Promise<PreflightReport> {
  fake = fakeAccount();
  setup(fake);
  const config = profileConfig(profile, overrides);
  return runPreflightChecks(config, servicesFor(config, { runner }), new RecordingHost());
}
const byId = checkById;

/** Each AWS-calling check, its first call and the IAM action that call needs. */
type Answer = (input: never) => unknown;
type Mocked = { rejectsOnce(e: Error): { callsFake(fn: Answer): unknown }; rejects(e: Error): unknown };
/** aws-sdk-client-mock's behaviours, narrowed to what the table uses (their callsFake types differ per command). */
const asMocked = (behavior: unknown): Mocked => behavior as Mocked;
const FIRST_CALLS: {
  check: string;
  action: string;
  throttle: string;
  stub: (f: Fake) => Mocked;
  answer: (f: Fake) => Answer;
  calls: (f: Fake) => number;
  overrides?: object;
  passIds: string[];
}[] = [
  {
    check: 'quotas',
    action: 'servicequotas:ListServiceQuotas',
    throttle: 'TooManyRequestsException',
    stub: (f) => asMocked(f.sq.on(ListServiceQuotasCommand, { ServiceCode: 'ec2' })),
    answer: (f) => f.answers.ListServiceQuotas,
    calls: (f) => f.sq.commandCalls(ListServiceQuotasCommand, { ServiceCode: 'ec2' }).length,
    passIds: ['quota-ec2-ondemand-standard-vcpu', 'quota-ec2-elastic-ips'],
  },
  {
    check: 'region',
    action: 'ec2:DescribeAvailabilityZones',
    throttle: 'RequestLimitExceeded',
    stub: (f) => asMocked(f.ec2.on(DescribeAvailabilityZonesCommand)),
    answer: (f) => f.answers.DescribeAvailabilityZones,
    calls: (f) => f.ec2.commandCalls(DescribeAvailabilityZonesCommand).length,
    passIds: ['region-enabled', 'region-azs'],
  },
  {
    check: 'cdk-bootstrap',
    action: 'cloudformation:DescribeStacks',
    throttle: 'Throttling',
    stub: (f) => asMocked(f.cfn.on(DescribeStacksCommand)),
    answer: (f) => f.answers.DescribeStacks,
    calls: (f) => f.cfn.commandCalls(DescribeStacksCommand).length,
    passIds: ['cdk-bootstrap'],
  },
  {
    check: 'identity',
    action: 'sts:GetCallerIdentity',
    throttle: 'Throttling',
    stub: (f) => asMocked(f.sts.on(GetCallerIdentityCommand)),
    answer: (f) => f.answers.GetCallerIdentity,
    calls: (f) => f.sts.commandCalls(GetCallerIdentityCommand).length,
    passIds: ['identity'],
  },
  {
    check: 'network',
    action: 'ec2:DescribeVpcs',
    throttle: 'RequestLimitExceeded',
    stub: (f) => asMocked(f.ec2.on(DescribeVpcsCommand)),
    answer: (f) => f.answers.DescribeVpcs,
    calls: (f) => f.ec2.commandCalls(DescribeVpcsCommand).length,
    passIds: ['network-vpc-cidr'],
  },
  {
    check: 'hosted-zone',
    action: 'route53:ListHostedZonesByName',
    throttle: 'Throttling',
    stub: (f) => asMocked(f.r53.on(ListHostedZonesByNameCommand)),
    answer: (f) => f.answers.ListHostedZonesByName,
    calls: (f) => f.r53.commandCalls(ListHostedZonesByNameCommand).length,
    passIds: ['dns-hosted-zone'],
  },
  {
    check: 'certificate',
    action: 'acm:DescribeCertificate',
    throttle: 'ThrottlingException',
    stub: (f) => asMocked(f.acm.on(DescribeCertificateCommand)),
    answer: (f) => f.answers.DescribeCertificate,
    calls: (f) => f.acm.commandCalls(DescribeCertificateCommand).length,
    overrides: withCert,
    passIds: ['dns-certificate'],
  },
  {
    check: 'eks-version',
    action: 'eks:DescribeClusterVersions',
    throttle: 'ThrottlingException',
    stub: (f) => asMocked(f.eks.on(DescribeClusterVersionsCommand)),
    answer: (f) => f.answers.DescribeClusterVersions,
    calls: (f) => f.eks.commandCalls(DescribeClusterVersionsCommand).length,
    passIds: ['eks-version'],
  },
];

describe.each(FIRST_CALLS)('$check', ({ check, action, throttle, stub, answer, calls, overrides, passIds }) => {
  it(`names ${action} when it is denied, reports the check as unchecked and the run exits 3`, async () => {
    const report = await preflight(overrides, (f) =>
      stub(f).rejects(
        awsError(
          'AccessDeniedException',
          `User: arn:aws:sts::${ACCOUNT}:assumed-role/deployer is not authorized to perform: ${action}`,
          403,
        ),
      ),
    );
    const result = byId(report, check);
    expect(result).toMatchObject({
      status: 'fail',
      unchecked: true,
      current: 'could not check',
      message: expect.stringContaining(`access denied (IAM action ${action})`),
    });
    expect(result.fix).toContain(`Grant the IAM action ${action}`);
    // nothing of that check passed on a guess
    expect(report.checks.filter((c) => passIds.includes(c.id) && !c.unchecked)).toEqual([]);
    // the other checks still answer
    expect(byId(report, 'tool-helm').status).toBe('pass');
    expect(report.summary.exitCode).toBe(3);
  });

  it(`retries a ${throttle} on ${action} and then passes`, async () => {
    const healthy = await preflight(overrides);
    const baseline = calls(fake!);
    restoreFake(fake);
    const report = await preflight(overrides, (f) =>
      stub(f).rejectsOnce(awsError(throttle, 'Rate exceeded')).callsFake(answer(f)),
    );
    expect(calls(fake!)).toBe(baseline + 1);
    for (const id of passIds) expect(byId(report, id).status).toBe('pass');
    expect(report.checks.filter((c) => c.unchecked)).toEqual([]);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual(healthy.checks.map((c) => [c.id, c.status]));
  });
});

describe('a throttle that outlives every retry', () => {
  it('is an unchecked result saying so, not a pass', async () => {
    const report = await preflight({}, (f) =>
      f.sq.on(ListServiceQuotasCommand).rejects(awsError('TooManyRequestsException', 'Rate exceeded')),
    );
    expect(byId(report, 'quotas')).toMatchObject({
      status: 'fail',
      unchecked: true,
      fix: expect.stringContaining('throttled'),
    });
    // three attempts per listing (the default throttleAttempts)
    expect(fake!.sq.commandCalls(ListServiceQuotasCommand, { ServiceCode: 'ec2' })).toHaveLength(3);
    expect(report.summary.exitCode).toBe(3);
  });
});

describe('expired credentials on any call', () => {
  it('end the preflight with exit 3 and the refresh hint, even when STS answered', async () => {
    const run = preflight({}, (f) =>
      f.ec2
        .on(DescribeVpcsCommand)
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

describe('DNS', () => {
  it('fails a certificate in another region without asking ACM about it', async () => {
    // The config layer already rejects this ARN; the check is the guard for a config that was resolved
    // before the region changed (or built in code), so the ARN is set on the resolved config.
    fake = fakeAccount();
    const config = profileConfig('mvp-500');
    config.dns.certificateArn = `arn:aws:acm:eu-west-1:${ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012`;
    const report = await runPreflightChecks(config, servicesFor(config), new RecordingHost());
    expect(byId(report, 'dns-certificate')).toMatchObject({
      status: 'fail',
      critical: true,
      current: 'in eu-west-1',
      message: 'the certificate is in eu-west-1; the NLB in us-east-1 needs one in its own region',
      fix: expect.stringContaining('Request or import a certificate in us-east-1'),
    });
    expect(fake!.acm.commandCalls(DescribeCertificateCommand)).toHaveLength(0);
    expect(report.summary.exitCode).toBe(1);
  });

  const zones = [
    { Id: '/hostedzone/ZPRIVATE1', Name: 'example.com.', CallerReference: 'a', Config: { PrivateZone: true } },
    {
      Id: '/hostedzone/ZPUBLIC1',
      Name: 'example.com.',
      CallerReference: 'b',
      Config: { PrivateZone: false },
      ResourceRecordSetCount: 7,
    },
  ];
  it('passes the configured public zone id', async () => {
    const report = await preflight({ dns: { hostedZoneId: 'ZPUBLIC1' } }, (f) =>
      f.r53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: zones }),
    );
    expect(byId(report, 'dns-hosted-zone')).toMatchObject({
      status: 'pass',
      critical: true,
      current: 'ZPUBLIC1 (7 records)',
    });
  });
  it('fails a configured zone id that is private, even when a public zone of that name exists', async () => {
    const report = await preflight({ dns: { hostedZoneId: 'ZPRIVATE1' } }, (f) =>
      f.r53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: zones }),
    );
    expect(byId(report, 'dns-hosted-zone')).toMatchObject({
      status: 'fail',
      critical: true,
      current: 'private zone',
      message: 'hosted zone ZPRIVATE1 for example.com is private; the certificate and users need a public zone',
    });
    expect(report.summary.exitCode).toBe(1);
  });
  it('fails a configured zone id that is not in the account (critical), where no id only warns', async () => {
    const report = await preflight({ dns: { hostedZoneId: 'ZWRONG' } }, (f) =>
      f.r53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: zones }),
    );
    expect(byId(report, 'dns-hosted-zone')).toMatchObject({
      status: 'fail',
      critical: true,
      current: 'not found',
      message: 'hosted zone ZWRONG for example.com does not exist in this account',
      fix: expect.stringContaining('Correct dns.hostedZoneId'),
    });
    expect(report.summary.exitCode).toBe(1);
  });
});

describe('helm', () => {
  it('warns (not fails) for helm 4 and newer', async () => {
    const report = await preflight({}, () => undefined, fakeRunner({ helm: 'v4.0.1+g0a1b2c3' }));
    expect(byId(report, 'tool-helm')).toMatchObject({
      status: 'warn',
      current: '4.0.1',
      message: 'helm 4.0.1 is newer than the validated 3.x',
      fix: expect.stringContaining('helm 3.x'),
    });
    expect(report.summary.exitCode).toBe(0);
  });
});

describe('CDK bootstrap stack states', () => {
  it.each([
    'UPDATE_ROLLBACK_COMPLETE',
    'ROLLBACK_COMPLETE',
    'CREATE_FAILED',
    'UPDATE_ROLLBACK_FAILED',
    'DELETE_IN_PROGRESS',
    'UPDATE_IN_PROGRESS',
  ])('fails %s with the state and the bootstrap command', async (state) => {
    const report = await preflight({}, (f) =>
      f.cfn.on(DescribeStacksCommand).resolves({
        Stacks: [
          {
            StackName: 'CDKToolkit',
            StackStatus: state as never,
            CreationTime: new Date(),
            Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '28' }],
          },
        ],
      }),
    );
    expect(byId(report, 'cdk-bootstrap')).toMatchObject({
      status: 'fail',
      critical: true,
      current: state,
      message: `CDKToolkit is in state ${state}`,
      fix: `Let the stack settle or delete it, then run: cdk bootstrap aws://${ACCOUNT}/us-east-1`,
    });
  });
});
