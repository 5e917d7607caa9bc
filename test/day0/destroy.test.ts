import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  ElasticLoadBalancingV2Client,
  ModifyLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBSnapshotsCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stackNames } from '../../src/deployment/outputs.js';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import { CancelledError, UserError } from '../../src/errors.js';
import { AssemblyCache } from '../../src/phases/day0/deploy.js';
import { confirmDestroy, day0DestroyPhase, type Day0DestroyServices } from '../../src/phases/day0/destroy.js';
import { FakeToolkit, commonServices, ScriptedHost, notFound, testConfig } from './fakes.js';

const cfn = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
const rds = mockClient(RDSClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const ec2 = mockClient(EC2Client);
let stateDir: string;
const LB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/acme-edge-lb/0123456789abcdef';

function destroyServices(config: ReturnType<typeof testConfig>, toolkit: FakeToolkit): Day0DestroyServices {
  return {
    ...commonServices(config, stateDir, toolkit),
    rds: new RDSClient({ region: 'us-east-1' }),
    elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
    ec2: new EC2Client({ region: 'us-east-1' }),
    tagging: (region) => new ResourceGroupsTaggingAPIClient({ region }),
    pollMs: 1,
  };
}

beforeEach(async () => {
  for (const m of [cfn, sts, rds, tagging, elbv2, ec2]) m.reset();
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  stateDir = await mkdtemp(join(tmpdir(), 'day0-destroy-'));
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ci' });
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('destroy confirmation', () => {
  it('asks the operator to type the deployment name', async () => {
    const host = new ScriptedHost(() => true);
    await confirmDestroy(testConfig('mvp-500'), host);
    expect(host.asked).toHaveLength(1);
    expect(host.asked[0]).toMatchObject({ code: 'DAY0_DESTROY', typeToConfirm: 'acme' });
    expect(host.asked[0]?.message).toContain('final snapshot');
  });

  it('a refusal cancels; non-interactive without --yes fails naming --yes', async () => {
    await expect(confirmDestroy(testConfig('mvp-500'), new ScriptedHost(() => false))).rejects.toBeInstanceOf(
      CancelledError,
    );
    const error = await confirmDestroy(testConfig('mvp-500'), new RecordingHost()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).nextSteps.join(' ')).toContain('--yes');
  });
});

describe('destroy order', () => {
  it('deletes schedule and edge, then cluster and data, then network; keeps the database snapshot and reports leftovers', async () => {
    // Given all five stacks deployed, stacks disappearing once destroyed
    const config = testConfig('mvp-500');
    const names = stackNames('acme');
    const toolkit = new FakeToolkit({
      durations: {
        [names.schedule]: 50,
        [names.edge]: 150,
        [names.cluster]: 200,
        [names.data]: 100,
        [names.network]: 50,
      },
    });
    const gone = () => new Set(toolkit.actions.map((a) => a.stack));
    cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
      if (gone().has(input.StackName)) return Promise.reject(notFound(input.StackName));
      const outputs =
        input.StackName === names.data
          ? [
              { OutputKey: 'DbInstanceIdentifier', OutputValue: 'acme-db' },
              { OutputKey: 'DbEngine', OutputValue: 'rds-postgres' },
            ]
          : input.StackName === names.edge
            ? [{ OutputKey: 'LoadBalancerArn', OutputValue: LB_ARN }]
            : input.StackName === names.network
              ? [{ OutputKey: 'VpcId', OutputValue: 'vpc-0abc' }]
              : [];
      return Promise.resolve({
        Stacks: [
          { StackName: input.StackName, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: outputs },
        ],
      });
    });
    rds.on(ModifyDBInstanceCommand).resolves({});
    rds.on(DescribeDBSnapshotsCommand, { DBInstanceIdentifier: 'acme-db', SnapshotType: 'manual' }).resolves({
      DBSnapshots: [
        {
          DBSnapshotIdentifier: 'old-manual',
          DBSnapshotArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:old-manual',
          SnapshotCreateTime: new Date('2026-01-01T00:00:00Z'),
        },
        {
          DBSnapshotIdentifier: 'acme-data-snapshot-database-1x2y',
          DBSnapshotArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:acme-data-snapshot-database-1x2y',
          SnapshotCreateTime: new Date('2026-11-23T12:00:00Z'),
        },
      ],
    });
    let lbUnprotectedAt = Number.POSITIVE_INFINITY;
    elbv2.on(ModifyLoadBalancerAttributesCommand).callsFake(() => {
      lbUnprotectedAt = Date.now();
      return Promise.resolve({});
    });
    // Each tag filter finds other things: stack resources (Project+ManagedBy), EC2 workspaces, node and PVC volumes
    // (coder-platform/deployment), Day 2 snapshots (coder-platform:deployment), controller-made resources (cluster tag)
    const snapshotArn = 'arn:aws:rds:us-east-1:123456789012:snapshot:acme-data-snapshot-database-1x2y';
    const byFilter: Record<string, string[]> = {
      Project: [snapshotArn, 'arn:aws:ec2:us-east-1:123456789012:volume/vol-123'],
      'coder-platform/deployment': [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-0workspace',
        'arn:aws:ec2:us-east-1:123456789012:volume/vol-pvc',
        'arn:aws:ec2:us-east-1:123456789012:volume/vol-123',
      ],
      'coder-platform:deployment': ['arn:aws:rds:us-east-1:123456789012:cluster-snapshot:acme-pre-upgrade-1'],
      'kubernetes.io/cluster/acme': ['arn:aws:ec2:us-east-1:123456789012:security-group/sg-0k8s'],
    };
    tagging.on(GetResourcesCommand).callsFake((input: { TagFilters: { Key: string }[] }) =>
      Promise.resolve({
        ResourceTagMappingList: (byFilter[input.TagFilters[0]!.Key] ?? []).map((ResourceARN) => ({ ResourceARN })),
      }),
    );
    const services = destroyServices(config, toolkit);
    const host = new RecordingHost({ yes: true });
    // When destroy runs
    const result = await runPhase(day0DestroyPhase(config, new AssemblyCache(services)), services, {
      deployment: 'acme',
      stateDir,
      command: 'coder-platform day0 destroy',
      host,
    });
    // Then stacks go in reverse dependency order
    expect(result.status).toBe('succeeded');
    const at = Object.fromEntries(toolkit.actions.map((a) => [a.stack, a]));
    for (const later of [names.cluster, names.data]) {
      expect(at[later]!.start).toBeGreaterThanOrEqual(at[names.schedule]!.end);
      expect(at[later]!.start).toBeGreaterThanOrEqual(at[names.edge]!.end);
      expect(at[names.network]!.start).toBeGreaterThanOrEqual(at[later]!.end);
    }
    expect(at[names.schedule]!.start).toBeLessThan(at[names.edge]!.end); // schedule ∥ edge
    // The database: deletion protection lifted so CloudFormation can snapshot it, and the snapshot is named
    expect(rds.commandCalls(ModifyDBInstanceCommand)[0]?.args[0].input).toMatchObject({
      DBInstanceIdentifier: 'acme-db',
      DeletionProtection: false,
    });
    // The NLB (deletion protection on in production): protection lifted before the edge stack is deleted
    expect(config.deployment.environment).toBe('production');
    expect(elbv2.commandCalls(ModifyLoadBalancerAttributesCommand).map((c) => c.args[0].input)).toEqual([
      { LoadBalancerArn: LB_ARN, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }] },
    ]);
    expect(lbUnprotectedAt).toBeLessThanOrEqual(at[names.edge]!.start);
    expect(result.outputs['destroy-data']).toMatchObject({ snapshotIdentifier: 'acme-data-snapshot-database-1x2y' });
    expect(host.events.find((e) => e.code === 'DAY0_DB_SNAPSHOT')?.message).toContain(
      'acme-data-snapshot-database-1x2y',
    );
    // Leftovers: asked for by the deployment's tags; the snapshot is kept on purpose, the volume is reported
    expect(tagging.commandCalls(GetResourcesCommand).map((c) => c.args[0].input.TagFilters)).toEqual([
      [
        { Key: 'Project', Values: ['acme'] },
        { Key: 'ManagedBy', Values: ['coder-platform'] },
      ],
      [{ Key: 'coder-platform/deployment', Values: ['acme'] }],
      [{ Key: 'coder-platform:deployment', Values: ['acme'] }],
      [{ Key: 'kubernetes.io/cluster/acme', Values: ['owned', 'shared'] }],
    ]);
    expect(result.outputs.leftovers).toEqual({
      kept: ['arn:aws:rds:us-east-1:123456789012:cluster-snapshot:acme-pre-upgrade-1', snapshotArn],
      leftovers: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-0workspace',
        'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0k8s',
        'arn:aws:ec2:us-east-1:123456789012:volume/vol-123',
        'arn:aws:ec2:us-east-1:123456789012:volume/vol-pvc',
      ],
    });
    for (const arn of ['instance/i-0workspace', 'volume/vol-pvc'])
      expect(host.events.some((e) => e.code === 'DAY0_LEFTOVER' && e.message.includes(arn))).toBe(true);
    // The VPC was checked for instances before the network stack went
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]?.args[0].input.Filters).toContainEqual({
      Name: 'vpc-id',
      Values: ['vpc-0abc'],
    });
  });

  it('finds the NLB among the edge stack resources when the output is missing, and lifts its protection', async () => {
    const config = testConfig('mvp-500');
    const names = stackNames('acme');
    const toolkit = new FakeToolkit();
    const gone = () => new Set(toolkit.actions.map((a) => a.stack));
    cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
      if (gone().has(input.StackName) || input.StackName !== names.edge)
        return Promise.reject(notFound(input.StackName));
      return Promise.resolve({
        Stacks: [{ StackName: input.StackName, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [] }],
      });
    });
    cfn.on(ListStackResourcesCommand, { StackName: names.edge }).resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'Zone',
          ResourceType: 'AWS::Route53::HostedZone',
          PhysicalResourceId: 'Z123',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
        {
          LogicalResourceId: 'LoadBalancer',
          ResourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
          PhysicalResourceId: LB_ARN,
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
      ],
    });
    elbv2.on(ModifyLoadBalancerAttributesCommand).resolves({});
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    const result = await runPhase(
      day0DestroyPhase(config, new AssemblyCache(destroyServices(config, toolkit))),
      destroyServices(config, toolkit),
      { deployment: 'acme', stateDir, command: 'coder-platform day0 destroy', host: new RecordingHost({ yes: true }) },
    );
    expect(result.status).toBe('succeeded');
    expect(elbv2.commandCalls(ModifyLoadBalancerAttributesCommand)[0]?.args[0].input).toEqual({
      LoadBalancerArn: LB_ARN,
      Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }],
    });
  });

  it('refuses to delete the network while EC2 workspaces still run in the VPC, listing them, and deletes it once they are gone', async () => {
    const config = testConfig('mvp-500');
    const names = stackNames('acme');
    const toolkit = new FakeToolkit();
    const gone = () => new Set(toolkit.actions.map((a) => a.stack));
    cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
      if (gone().has(input.StackName) || input.StackName !== names.network)
        return Promise.reject(notFound(input.StackName));
      return Promise.resolve({
        Stacks: [
          {
            StackName: input.StackName,
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(),
            Outputs: [{ OutputKey: 'VpcId', OutputValue: 'vpc-0abc' }],
          },
        ],
      });
    });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0ws1',
              State: { Name: 'running' },
              Tags: [
                { Key: 'Name', Value: 'coder-alice-dev' },
                { Key: 'coder-platform/template', Value: 'ec2-datasci' },
                { Key: 'coder-platform/deployment', Value: 'acme' },
              ],
            },
            {
              InstanceId: 'i-0ws2',
              State: { Name: 'stopped' },
              Tags: [{ Key: 'coder-platform/template', Value: 'ec2-linux' }],
            },
          ],
        },
      ],
    });
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    const host = new RecordingHost({ yes: true });
    const run = () =>
      runPhase(
        day0DestroyPhase(config, new AssemblyCache(destroyServices(config, toolkit))),
        destroyServices(config, toolkit),
        { deployment: 'acme', stateDir, command: 'coder-platform day0 destroy', host },
      );
    const refused = await run();
    expect(refused.status).toBe('failed');
    expect(refused.failure?.stepId).toBe('destroy-network');
    expect(refused.failure?.error).toContain('i-0ws1 (running, coder-alice-dev, template ec2-datasci)');
    expect(refused.failure?.error).toContain('i-0ws2 (stopped, template ec2-linux)');
    expect(refused.failure?.error).toContain('2 of them EC2 workspaces');
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]?.args[0].input.Filters).toEqual([
      { Name: 'vpc-id', Values: ['vpc-0abc'] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] },
    ]);
    expect(toolkit.actions.map((a) => a.stack)).not.toContain(names.network);
    // Once the workspaces are gone, the re-run deletes the network
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const resumed = await run();
    expect(resumed.status).toBe('succeeded');
    expect(toolkit.actions.map((a) => a.stack)).toContain(names.network);
  });
});
