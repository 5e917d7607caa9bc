/**
 * Day 0 destroy: delete the stacks in reverse dependency order, keep the database (a final snapshot through
 * the stacks' snapshot removal policy, reported by name), and then report anything still tagged for the
 * deployment. The operator confirms by typing the deployment name (or --yes) at the start of every run,
 * never from the journal.
 *
 *   identity → synth → schedule ∥ edge → cluster ∥ data → network → leftovers
 *
 * The cross-Region backup vault stack (`<name>-dr`) is kept: it holds the backup copies.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { awsCall } from '../../aws/clients.js';
import { deleteStackAndWait, describeStack, stackOutputs, waitWhileInProgress } from '../../cdk/stack-state.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import { OUTPUT_KEYS, stackName, type StackKind } from '../../deployment/outputs.js';
import type { EventHost } from '../../engine/host.js';
import type { Phase, Step, StepContext, StepOutputs } from '../../engine/types.js';
import { CancelledError, CheckFailedError } from '../../errors.js';
import { createDay0CommonServices, type Day0CommonOptions, type Day0CommonServices } from './services.js';
import { type AssemblyCache, callerIdentity, drStackName, hasDrStack, explainFailedStack } from './deploy.js';

export interface Day0DestroyServices extends Day0CommonServices {
  rds: RDSClient;
  /** Finds instances (EC2 workspaces) still in the VPC before the network stack is deleted. */
  ec2: EC2Client;
  /** Lifts the NLB's deletion protection (on in production) before the edge stack is deleted. */
  elbv2: ElasticLoadBalancingV2Client;
  tagging: (region: string) => ResourceGroupsTaggingAPIClient;
  /** @default 5000 */
  pollMs?: number;
}

/** Reverse of the deploy order, as dependencies between destroy steps. */
const DESTROY_ORDER: { kind: StackKind; dependsOn: string[] }[] = [
  { kind: 'schedule', dependsOn: ['synth'] },
  { kind: 'edge', dependsOn: ['synth'] },
  { kind: 'cluster', dependsOn: ['destroy-schedule', 'destroy-edge'] },
  { kind: 'data', dependsOn: ['destroy-schedule', 'destroy-edge'] },
  { kind: 'network', dependsOn: ['destroy-cluster', 'destroy-data'] },
];

export const DESTROY_EXPECTED_SECONDS: Record<StackKind, number> = {
  schedule: 60,
  edge: 300,
  cluster: 900,
  data: 900,
  network: 300,
};

/** Ask for the typed deployment name (or --yes). Throws CancelledError when refused. */
export async function confirmDestroy(config: CoderPlatformConfig, host: EventHost): Promise<void> {
  const name = config.deployment.name;
  const ok = await host.confirm({
    code: 'DAY0_DESTROY',
    message: `Destroy deployment ${name} in ${config.aws.region}: every stack (${DESTROY_ORDER.map((s) => stackName(name, s.kind)).join(', ')}), the EKS cluster and all workspaces on it. The database is kept as a final snapshot. Type the deployment name to confirm.`,
    typeToConfirm: name,
  });
  if (!ok) throw new CancelledError('Destroy not confirmed; nothing was deleted.');
}

function identityOf(ctx: StepContext<Day0DestroyServices>): { account: string; principalArn: string } {
  const out = ctx.outputs.identity;
  return { account: String(out?.account ?? ''), principalArn: String(out?.principalArn ?? '') };
}

/** Turn off deletion protection so CloudFormation can delete (and snapshot) the database. */
async function allowDatabaseDeletion(rds: RDSClient, outputs: Record<string, string>, host: EventHost): Promise<void> {
  const { ModifyDBClusterCommand, ModifyDBInstanceCommand } = await import('@aws-sdk/client-rds');
  const cluster = outputs[OUTPUT_KEYS.data.clusterIdentifier];
  const instance = outputs[OUTPUT_KEYS.data.instanceIdentifier];
  if (cluster) {
    await awsCall(
      'rds:ModifyDBCluster',
      () =>
        rds.send(
          new ModifyDBClusterCommand({
            DBClusterIdentifier: cluster,
            DeletionProtection: false,
            ApplyImmediately: true,
          }),
        ),
      cluster,
    );
    host.emit({
      level: 'info',
      code: 'DAY0_DB_PROTECTION_OFF',
      message: `Deletion protection turned off on ${cluster} so CloudFormation can snapshot and delete it.`,
    });
  } else if (instance) {
    await awsCall(
      'rds:ModifyDBInstance',
      () =>
        rds.send(
          new ModifyDBInstanceCommand({
            DBInstanceIdentifier: instance,
            DeletionProtection: false,
            ApplyImmediately: true,
          }),
        ),
      instance,
    );
    host.emit({
      level: 'info',
      code: 'DAY0_DB_PROTECTION_OFF',
      message: `Deletion protection turned off on ${instance} so CloudFormation can snapshot and delete it.`,
    });
  }
}

/** The NLB's ARN: the edge stack's output, or its AWS::ElasticLoadBalancingV2::LoadBalancer resource when the output is missing. */
async function loadBalancerArn(
  cfn: CloudFormationClient,
  stack: string,
  outputs: Record<string, string>,
): Promise<string | undefined> {
  const fromOutput = outputs[OUTPUT_KEYS.edge.loadBalancerArn];
  if (fromOutput) return fromOutput;
  const { ListStackResourcesCommand } = await import('@aws-sdk/client-cloudformation');
  let token: string | undefined;
  do {
    const page = await awsCall(
      'cloudformation:ListStackResources',
      () => cfn.send(new ListStackResourcesCommand({ StackName: stack, ...(token ? { NextToken: token } : {}) })),
      stack,
    );
    const lb = (page.StackResourceSummaries ?? []).find(
      (r) =>
        r.ResourceType === 'AWS::ElasticLoadBalancingV2::LoadBalancer' &&
        r.PhysicalResourceId &&
        r.ResourceStatus !== 'DELETE_COMPLETE',
    );
    if (lb?.PhysicalResourceId) return lb.PhysicalResourceId;
    token = page.NextToken || undefined;
  } while (token);
  return undefined;
}

/** Turn off the NLB's deletion protection (on in production) so CloudFormation can delete the edge stack. */
async function allowLoadBalancerDeletion(
  elbv2: ElasticLoadBalancingV2Client,
  arn: string | undefined,
  host: EventHost,
): Promise<void> {
  if (!arn) return;
  const { ModifyLoadBalancerAttributesCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  await awsCall(
    'elasticloadbalancing:ModifyLoadBalancerAttributes',
    () =>
      elbv2.send(
        new ModifyLoadBalancerAttributesCommand({
          LoadBalancerArn: arn,
          Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }],
        }),
      ),
    arn,
  );
  host.emit({
    level: 'info',
    code: 'DAY0_LB_PROTECTION_OFF',
    message: `Deletion protection turned off on ${arn} so CloudFormation can delete it.`,
  });
}

/** The newest manual snapshot of the database (the final snapshot CloudFormation took). */
export async function finalSnapshot(
  rds: RDSClient,
  ids: { cluster?: string | undefined; instance?: string | undefined },
): Promise<{ identifier: string; arn: string; created?: string } | undefined> {
  const { DescribeDBClusterSnapshotsCommand, DescribeDBSnapshotsCommand } = await import('@aws-sdk/client-rds');
  if (ids.cluster) {
    const result = await awsCall(
      'rds:DescribeDBClusterSnapshots',
      () =>
        rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: ids.cluster, SnapshotType: 'manual' })),
      ids.cluster,
    );
    const newest = [...(result.DBClusterSnapshots ?? [])].sort(
      (a, b) => (b.SnapshotCreateTime?.getTime() ?? 0) - (a.SnapshotCreateTime?.getTime() ?? 0),
    )[0];
    return newest?.DBClusterSnapshotIdentifier
      ? {
          identifier: newest.DBClusterSnapshotIdentifier,
          arn: newest.DBClusterSnapshotArn ?? '',
          ...(newest.SnapshotCreateTime ? { created: newest.SnapshotCreateTime.toISOString() } : {}),
        }
      : undefined;
  }
  if (ids.instance) {
    const result = await awsCall(
      'rds:DescribeDBSnapshots',
      () => rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: ids.instance, SnapshotType: 'manual' })),
      ids.instance,
    );
    const newest = [...(result.DBSnapshots ?? [])].sort(
      (a, b) => (b.SnapshotCreateTime?.getTime() ?? 0) - (a.SnapshotCreateTime?.getTime() ?? 0),
    )[0];
    return newest?.DBSnapshotIdentifier
      ? {
          identifier: newest.DBSnapshotIdentifier,
          arn: newest.DBSnapshotArn ?? '',
          ...(newest.SnapshotCreateTime ? { created: newest.SnapshotCreateTime.toISOString() } : {}),
        }
      : undefined;
  }
  return undefined;
}

/**
 * The tag filters that mark a deployment's resources, each asked for separately (GetResources ANDs the filters of
 * one call): the stacks' Project + ManagedBy tags, the deployment tag EC2 workspaces, node instances and volumes,
 * and PVC volumes carry (coder-platform/deployment), the one Day 2 puts on snapshots and restore tests
 * (coder-platform:deployment), and the cluster-ownership tag Kubernetes controllers add.
 */
export function leftoverTagFilters(deployment: string, cluster: string): { Key: string; Values: string[] }[][] {
  return [
    [
      { Key: 'Project', Values: [deployment] },
      { Key: 'ManagedBy', Values: ['coder-platform'] },
    ],
    [{ Key: 'coder-platform/deployment', Values: [deployment] }],
    [{ Key: 'coder-platform:deployment', Values: [deployment] }],
    [{ Key: `kubernetes.io/cluster/${cluster}`, Values: ['owned', 'shared'] }],
  ];
}

/** ARNs of resources still tagged for the deployment by any of its tags, merged and sorted (the EKS cluster is named after the deployment). */
export async function taggedLeftovers(
  tagging: ResourceGroupsTaggingAPIClient,
  deployment: string,
  cluster = deployment,
): Promise<string[]> {
  const { GetResourcesCommand } = await import('@aws-sdk/client-resource-groups-tagging-api');
  const arns = new Set<string>();
  for (const filters of leftoverTagFilters(deployment, cluster)) {
    let token: string | undefined;
    do {
      const page = await awsCall('tag:GetResources', () =>
        tagging.send(
          new GetResourcesCommand({
            TagFilters: filters,
            ResourcesPerPage: 100,
            ...(token ? { PaginationToken: token } : {}),
          }),
        ),
      );
      for (const r of page.ResourceTagMappingList ?? []) if (r.ResourceARN) arns.add(r.ResourceARN);
      token = page.PaginationToken || undefined;
    } while (token);
  }
  return [...arns].sort();
}

/** Instances that still exist in the VPC (any state but terminated): their network interfaces block subnet deletion. */
export async function instancesInVpc(
  ec2: EC2Client,
  vpcId: string,
): Promise<{ id: string; state: string; name?: string; template?: string; deployment?: string }[]> {
  const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
  const found: { id: string; state: string; name?: string; template?: string; deployment?: string }[] = [];
  let token: string | undefined;
  do {
    const page = await awsCall(
      'ec2:DescribeInstances',
      () =>
        ec2.send(
          new DescribeInstancesCommand({
            Filters: [
              { Name: 'vpc-id', Values: [vpcId] },
              { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] },
            ],
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      vpcId,
    );
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        if (!instance.InstanceId) continue;
        const tag = (key: string) => instance.Tags?.find((t) => t.Key === key)?.Value;
        const name = tag('Name');
        const template = tag('coder-platform/template');
        const deployment = tag('coder-platform/deployment');
        found.push({
          id: instance.InstanceId,
          state: instance.State?.Name ?? 'unknown',
          ...(name ? { name } : {}),
          ...(template ? { template } : {}),
          ...(deployment ? { deployment } : {}),
        });
      }
    }
    token = page.NextToken || undefined;
  } while (token);
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

/** Refuse to delete the network while instances (EC2 workspaces) still run in it: CloudFormation would fail on the subnets. */
async function refuseWhileInstancesRun(ec2: EC2Client, vpcId: string | undefined, stack: string): Promise<void> {
  if (!vpcId) return;
  const instances = await instancesInVpc(ec2, vpcId);
  if (instances.length === 0) return;
  const list = instances
    .map((i) => `${i.id} (${i.state}${i.name ? `, ${i.name}` : ''}${i.template ? `, template ${i.template}` : ''})`)
    .join(', ');
  const workspaces = instances.filter((i) => i.template).length;
  throw new CheckFailedError(
    `${stack} was not deleted: ${instances.length} instance(s) still exist in VPC ${vpcId}${workspaces ? `, ${workspaces} of them EC2 workspaces` : ''}: ${list}. Their network interfaces block deleting the subnets.`,
    {
      nextSteps: [
        'Delete the EC2 workspaces in Coder (coder delete <workspace>) before Coder is gone, or terminate the instances listed (aws ec2 terminate-instances --instance-ids …).',
        'Then run day0 destroy again; it resumes at the network stack.',
      ],
    },
  );
}

function destroyStep(
  kind: StackKind,
  name: string,
  dependsOn: string[],
  cache: AssemblyCache,
): Step<Day0DestroyServices> {
  return {
    id: `destroy-${kind}`,
    title: `Destroy the ${kind} stack (${name})`,
    dependsOn,
    expectedSeconds: DESTROY_EXPECTED_SECONDS[kind],
    isDone: async (ctx) =>
      (await describeStack(ctx.services.cloudFormation(ctx.services.config.aws.region), name))
        ? undefined
        : { stackName: name, deleted: true },
    run: async (ctx): Promise<StepOutputs> => {
      const { services } = ctx;
      const cfn = services.cloudFormation(services.config.aws.region);
      const wait = { signal: ctx.signal, ...(services.pollMs !== undefined ? { pollMs: services.pollMs } : {}) };
      let stack = await describeStack(cfn, name);
      if ((stack?.StackStatus ?? '').endsWith('_IN_PROGRESS')) {
        // An interrupted run leaves CloudFormation working (often DELETE_IN_PROGRESS): let it finish first.
        ctx.host.emit({
          level: 'info',
          code: 'DAY0_STACK_BUSY',
          message: `${name} is ${stack?.StackStatus}; waiting for CloudFormation to finish it.`,
        });
        stack = await waitWhileInProgress(cfn, name, wait);
      }
      if (!stack) return { stackName: name, deleted: true };
      const outputs = stackOutputs(stack);
      if (kind === 'data') await allowDatabaseDeletion(services.rds, outputs, ctx.host);
      if (kind === 'network') await refuseWhileInstancesRun(services.ec2, outputs[OUTPUT_KEYS.network.vpcId], name);
      if (kind === 'edge')
        await allowLoadBalancerDeletion(services.elbv2, await loadBalancerArn(cfn, name, outputs), ctx.host);
      if (stack.StackStatus === 'DELETE_FAILED') {
        // A previous delete got stuck: explain it, then delete again (the typed confirmation covers it).
        await explainFailedStack(cfn, name, stack.StackStatus, ctx.host);
        await deleteStackAndWait(cfn, name, wait);
      } else {
        const assembly = await cache.get(ctx.host, identityOf(ctx));
        if (assembly.stacks.some((s) => s.name === name))
          await assembly.destroyStack(name, { host: ctx.host, approved: true });
        else await deleteStackAndWait(cfn, name, wait);
      }
      if (kind !== 'data') return { stackName: name, deleted: true };
      const snapshot = await finalSnapshot(services.rds, {
        cluster: outputs[OUTPUT_KEYS.data.clusterIdentifier],
        instance: outputs[OUTPUT_KEYS.data.instanceIdentifier],
      });
      ctx.host.emit({
        level: snapshot ? 'info' : 'warn',
        code: 'DAY0_DB_SNAPSHOT',
        message: snapshot
          ? `The database was kept as snapshot ${snapshot.identifier} (${snapshot.arn}) in ${services.config.aws.region}.`
          : 'No final database snapshot was found; check RDS snapshots in the console before deleting anything else.',
        ...(snapshot ? { data: snapshot } : {}),
      });
      return {
        stackName: name,
        deleted: true,
        snapshotIdentifier: snapshot?.identifier ?? null,
        snapshotArn: snapshot?.arn ?? null,
      };
    },
  };
}

export function day0DestroyPhase(config: CoderPlatformConfig, cache: AssemblyCache): Phase<Day0DestroyServices> {
  const name = config.deployment.name;
  const regions = [
    config.aws.region,
    ...(hasDrStack(config) && config.database.crossRegionCopyRegion ? [config.database.crossRegionCopyRegion] : []),
  ];
  const steps: Step<Day0DestroyServices>[] = [
    {
      id: 'identity',
      title: 'Identity of the caller',
      expectedSeconds: 2,
      run: async (ctx) => callerIdentity(ctx.services),
    },
    {
      id: 'synth',
      title: 'Synthesize the CDK app',
      dependsOn: ['identity'],
      expectedSeconds: 5,
      run: async (ctx) => {
        const assembly = await cache.get(ctx.host, identityOf(ctx));
        return { stacks: assembly.stacks.map((s) => s.name) };
      },
    },
    ...DESTROY_ORDER.map(({ kind, dependsOn }) => destroyStep(kind, stackName(name, kind), dependsOn, cache)),
    {
      id: 'leftovers',
      title: 'Report resources still tagged for the deployment',
      dependsOn: ['destroy-network'],
      expectedSeconds: 5,
      run: async (ctx) => {
        const found: string[] = [];
        for (const region of regions) found.push(...(await taggedLeftovers(ctx.services.tagging(region), name)));
        const kept = found.filter((arn) => /:(cluster-)?snapshot:|:backup-vault:|:recovery-point:/.test(arn));
        const others = found.filter((arn) => !kept.includes(arn));
        for (const arn of kept) ctx.host.emit({ level: 'info', code: 'DAY0_KEPT', message: `Kept on purpose: ${arn}` });
        for (const arn of others)
          ctx.host.emit({ level: 'warn', code: 'DAY0_LEFTOVER', message: `Still exists: ${arn}` });
        if (hasDrStack(config))
          ctx.host.emit({
            level: 'info',
            code: 'DAY0_KEPT',
            message: `Kept on purpose: the backup vault stack ${drStackName(config)} in ${config.database.crossRegionCopyRegion} (it holds the backup copies).`,
          });
        return { kept, leftovers: others };
      },
    },
  ];
  return { name: 'day0-destroy', version: 1, steps };
}

/** The production collaborators for destroy. */
export async function createDay0DestroyServices(options: Day0CommonOptions): Promise<Day0DestroyServices> {
  const { common, clients } = await createDay0CommonServices(options);
  const { RDSClient } = await import('@aws-sdk/client-rds');
  const { ElasticLoadBalancingV2Client } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  const { ResourceGroupsTaggingAPIClient } = await import('@aws-sdk/client-resource-groups-tagging-api');
  return {
    ...common,
    rds: clients.get(RDSClient),
    elbv2: clients.get(ElasticLoadBalancingV2Client),
    ec2: clients.get(EC2Client),
    tagging: (region) => clients.get(ResourceGroupsTaggingAPIClient, region),
  };
}
