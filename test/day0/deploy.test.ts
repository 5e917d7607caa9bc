import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingHost, type EventHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import {
  AssemblyCache,
  day0DeployPhase,
  principalArnOf,
  type Day0DeployServices,
} from '../../src/phases/day0/deploy.js';
import { FakeToolkit, commonServices, notFound, testConfig } from './fakes.js';

const cfn = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
let stateDir: string;

const bootstrapped = {
  Stacks: [
    {
      StackName: 'CDKToolkit',
      StackStatus: 'UPDATE_COMPLETE' as const,
      CreationTime: new Date(),
      Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '28' }],
    },
  ],
};

beforeEach(async () => {
  cfn.reset();
  sts.reset();
  stateDir = await mkdtemp(join(tmpdir(), 'day0-deploy-'));
  sts.on(GetCallerIdentityCommand).resolves({
    Account: '123456789012',
    Arn: 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice',
    UserId: 'AROA:alice',
  });
  cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => Promise.reject(notFound(input.StackName)));
  cfn.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves(bootstrapped);
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

async function deploy(toolkit: FakeToolkit, host: EventHost, extra: Partial<Day0DeployServices> = {}) {
  const config = testConfig('mvp-500');
  const services: Day0DeployServices = {
    ...commonServices(config, stateDir, toolkit),
    preflight: async () => ({ criticalFailures: [] }),
    pollMs: 1,
    ...extra,
  };
  const cache = new AssemblyCache(services);
  try {
    return await runPhase(day0DeployPhase(config, cache), services, {
      deployment: config.deployment.name,
      stateDir,
      command: 'coder-platform day0 deploy',
      host,
    });
  } finally {
    await cache.dispose();
  }
}

describe('day0 deploy ordering', () => {
  it('deploys data and cluster concurrently and finishes in the critical-path time, not the sum', async () => {
    // Given stacks with known durations (ms)
    const durations = {
      'acme-network': 200,
      'acme-data': 600,
      'acme-cluster': 800,
      'acme-edge': 300,
      'acme-schedule': 200,
    };
    const toolkit = new FakeToolkit({ durations });
    // When the phase runs
    const result = await deploy(toolkit, new RecordingHost({ yes: true }));
    // Then every stack deployed once, in dependency order, with data ∥ cluster and edge ∥ schedule
    expect(result.status).toBe('succeeded');
    const at = Object.fromEntries(toolkit.actions.map((a) => [a.stack, a]));
    expect(Object.keys(at).sort()).toEqual(Object.keys(durations).sort());
    const network = at['acme-network']!;
    const data = at['acme-data']!;
    const cluster = at['acme-cluster']!;
    const edge = at['acme-edge']!;
    const schedule = at['acme-schedule']!;
    expect(data.start).toBeGreaterThanOrEqual(network.end);
    expect(cluster.start).toBeGreaterThanOrEqual(network.end);
    expect(data.start).toBeLessThan(cluster.end); // overlap
    expect(cluster.start).toBeLessThan(data.end);
    expect(edge.start).toBeGreaterThanOrEqual(cluster.end);
    expect(schedule.start).toBeGreaterThanOrEqual(cluster.end);
    const elapsed = Math.max(...toolkit.actions.map((a) => a.end)) - network.start;
    const criticalPath = 200 + 800 + 300;
    const sum = Object.values(durations).reduce((a, b) => a + b, 0);
    expect(elapsed).toBeGreaterThanOrEqual(criticalPath - 20);
    expect(elapsed).toBeLessThan(criticalPath + 500); // engine and journal overhead on a busy machine, still well under the sum
    expect(elapsed).toBeLessThan(sum);
    // The stack outputs are saved as step outputs, and synthesis used the real account and role ARN
    expect(result.outputs.cluster).toMatchObject({ stackName: 'acme-cluster', Name: 'acme-cluster' });
    expect(toolkit.synthCalls).toHaveLength(1);
    expect(toolkit.synthCalls[0]?.config.aws.accountId).toBe('123456789012');
    expect(toolkit.synthCalls[0]?.adminPrincipalArn).toBe('arn:aws:iam::123456789012:role/PlatformAdmin');
  });

  it('skips a stack already deployed with the same template (resume after a lost journal)', async () => {
    const template = { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } };
    cfn.on(DescribeStacksCommand, { StackName: 'acme-network' }).resolves({
      Stacks: [
        {
          StackName: 'acme-network',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          StackId: 'arn:net',
          Outputs: [{ OutputKey: 'VpcId', OutputValue: 'vpc-1' }],
        },
      ],
    });
    cfn.on(GetTemplateCommand, { StackName: 'acme-network' }).resolves({ TemplateBody: JSON.stringify(template) });
    const toolkit = new FakeToolkit();
    const result = await deploy(toolkit, new RecordingHost({ yes: true }));
    expect(result.status).toBe('succeeded');
    expect(toolkit.actions.map((a) => a.stack)).not.toContain('acme-network');
    expect(result.outputs.network).toMatchObject({ VpcId: 'vpc-1', stackArn: 'arn:net' });
  });

  it('waits for an operation CloudFormation is still running (an interrupted run) before deploying', async () => {
    let polls = 0;
    cfn.on(DescribeStacksCommand, { StackName: 'acme-network' }).callsFake(() => {
      polls += 1;
      return Promise.resolve({
        Stacks: [
          {
            StackName: 'acme-network',
            StackStatus: polls < 4 ? 'UPDATE_IN_PROGRESS' : 'UPDATE_COMPLETE',
            CreationTime: new Date(),
          },
        ],
      });
    });
    cfn.on(GetTemplateCommand, { StackName: 'acme-network' }).resolves({ TemplateBody: '{"Resources":{}}' });
    const toolkit = new FakeToolkit();
    const host = new RecordingHost({ yes: true });
    const result = await deploy(toolkit, host);
    expect(result.status).toBe('succeeded');
    expect(host.events.some((e) => e.code === 'DAY0_STACK_BUSY' && e.message.includes('UPDATE_IN_PROGRESS'))).toBe(
      true,
    );
    expect(polls).toBeGreaterThanOrEqual(4);
    expect(toolkit.actions.map((a) => a.stack)).toContain('acme-network');
  });

  it('refuses to start while a critical preflight check fails', async () => {
    const toolkit = new FakeToolkit();
    const result = await deploy(toolkit, new RecordingHost({ yes: true }), {
      preflight: async () => ({
        criticalFailures: [{ id: 'quota-vcpu', message: 'On-Demand vCPU quota 64 < 1032 needed' }],
      }),
    });
    expect(result.status).toBe('failed');
    expect(result.failure?.stepId).toBe('preflight-gate');
    expect(result.failure?.error).toContain('quota-vcpu');
    expect(result.failure?.nextSteps.join(' ')).toContain('--skip-preflight');
    expect(toolkit.actions).toHaveLength(0);
  });

  it('with --skip-preflight deploys and warns', async () => {
    const host = new RecordingHost({ yes: true });
    const result = await deploy(new FakeToolkit(), host, { preflight: undefined });
    expect(result.status).toBe('succeeded');
    expect(host.events.some((e) => e.code === 'DAY0_PREFLIGHT_SKIPPED' && e.level === 'warn')).toBe(true);
  });

  it('names the cdk bootstrap command when the account is not bootstrapped', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).rejects(notFound('CDKToolkit'));
    const result = await deploy(new FakeToolkit(), new RecordingHost({ yes: true }));
    expect(result.failure?.stepId).toBe('bootstrap-check');
    expect(result.failure?.nextSteps.join(' ')).toContain('cdk bootstrap aws://123456789012/us-east-1');
  });
});

describe('a stack found in ROLLBACK_COMPLETE', () => {
  const failedEvents = {
    StackEvents: [
      {
        StackId: 's',
        EventId: '4',
        StackName: 'acme-data',
        LogicalResourceId: 'acme-data',
        ResourceType: 'AWS::CloudFormation::Stack',
        ResourceStatus: 'ROLLBACK_COMPLETE' as const,
        Timestamp: new Date('2026-11-23T10:10:00Z'),
      },
      {
        StackId: 's',
        EventId: '3',
        StackName: 'acme-data',
        LogicalResourceId: 'DbSubnets',
        ResourceType: 'AWS::RDS::DBSubnetGroup',
        ResourceStatus: 'CREATE_FAILED' as const,
        ResourceStatusReason: 'Resource creation cancelled',
        Timestamp: new Date('2026-11-23T10:05:01Z'),
      },
      {
        StackId: 's',
        EventId: '2',
        StackName: 'acme-data',
        LogicalResourceId: 'Database',
        ResourceType: 'AWS::RDS::DBInstance',
        ResourceStatus: 'CREATE_FAILED' as const,
        ResourceStatusReason: 'DB instance class db.m7i.large is not supported in us-east-1f',
        Timestamp: new Date('2026-11-23T10:05:00Z'),
      },
      {
        StackId: 's',
        EventId: '1',
        StackName: 'acme-data',
        LogicalResourceId: 'acme-data',
        ResourceType: 'AWS::CloudFormation::Stack',
        ResourceStatus: 'CREATE_IN_PROGRESS' as const,
        ResourceStatusReason: 'User Initiated',
        Timestamp: new Date('2026-11-23T10:00:00Z'),
      },
    ],
  };

  beforeEach(() => {
    let deleted = false;
    cfn.on(DescribeStacksCommand, { StackName: 'acme-data' }).callsFake(() =>
      deleted
        ? Promise.reject(notFound('acme-data'))
        : Promise.resolve({
            Stacks: [{ StackName: 'acme-data', StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date() }],
          }),
    );
    cfn.on(DeleteStackCommand, { StackName: 'acme-data' }).callsFake(() => {
      deleted = true;
      return Promise.resolve({});
    });
    cfn.on(DescribeStackEventsCommand, { StackName: 'acme-data' }).resolves(failedEvents);
  });

  it('explains the first failed resource, deletes the stack with approval and deploys again', async () => {
    const toolkit = new FakeToolkit();
    const host = new RecordingHost({ yes: true });
    const result = await deploy(toolkit, host);
    expect(result.status).toBe('succeeded');
    const explained = host.events.find((e) => e.code === 'DAY0_STACK_FAILED');
    expect(explained?.message).toContain('ROLLBACK_COMPLETE');
    expect(explained?.message).toContain(
      'Database (AWS::RDS::DBInstance) CREATE_FAILED: DB instance class db.m7i.large is not supported',
    );
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(1);
    expect(toolkit.actions.map((a) => a.stack)).toContain('acme-data');
  });

  it('refuses without approval in non-interactive mode, naming --yes, and deletes nothing', async () => {
    const toolkit = new FakeToolkit();
    const result = await deploy(toolkit, new RecordingHost({ yes: false }));
    expect(result.status).toBe('failed');
    expect(result.failure?.stepId).toBe('data');
    expect(`${result.failure?.error} ${result.failure?.nextSteps.join(' ')}`).toContain('--yes');
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect(toolkit.actions.map((a) => a.stack)).not.toContain('acme-data');
  });
});

describe('security-sensitive change approval', () => {
  it('non-interactive without --yes fails with a UserError naming --yes', async () => {
    const toolkit = new FakeToolkit({ securityChange: ['acme-cluster'] });
    const result = await deploy(toolkit, new RecordingHost({ yes: false }));
    expect(result.status).toBe('failed');
    expect(result.failure?.stepId).toBe('cluster');
    expect(result.failure?.nextSteps.join(' ')).toContain('--yes');
    expect(toolkit.actions.map((a) => a.stack)).not.toContain('acme-cluster');
  });

  it('with --yes the change is approved and deployed', async () => {
    const toolkit = new FakeToolkit({ securityChange: ['acme-cluster'] });
    const result = await deploy(toolkit, new RecordingHost({ yes: true }));
    expect(result.status).toBe('succeeded');
    expect(toolkit.actions.map((a) => a.stack)).toContain('acme-cluster');
  });
});

describe('principalArnOf', () => {
  it('turns an assumed-role session ARN into the role ARN (with the SSO path) and keeps user ARNs', () => {
    expect(principalArnOf('arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_abc/alice@example.com')).toBe(
      'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_abc',
    );
    expect(principalArnOf('arn:aws:iam::123456789012:user/ci')).toBe('arn:aws:iam::123456789012:user/ci');
  });
});
