/**
 * Read what Day 1 and Day 2 need about a deployed platform from the Day 0 stacks' CloudFormation outputs
 * (DescribeStacks on each stack), parsed by the OUTPUT_KEYS defined once in ./outputs.ts.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeStack, stackOutputs } from './stack-state.js';
import { ExternalError, UserError } from '../errors.js';
import {
  OUTPUT_KEYS,
  STACK_KINDS,
  parsePairs,
  stackName,
  type DeploymentOutputs,
  type StackKind,
} from '../deployment/outputs.js';

const REQUIRED: readonly StackKind[] = ['network', 'data', 'cluster', 'edge'];
/** States whose outputs describe a working stack (an update that rolled back kept the previous one). */
const USABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'UPDATE_IN_PROGRESS',
  'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
]);

/** `tier=subnet-a,subnet-b;tier2=…` → record of lists. */
export function parseSubnetIds(value: string | undefined): Record<string, string[]> {
  if (!value) return {};
  return Object.fromEntries(
    value
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const i = part.indexOf('=');
        return [
          part.slice(0, i),
          part
            .slice(i + 1)
            .split(',')
            .filter(Boolean),
        ];
      }),
  );
}

export async function readDeploymentOutputs(cfn: CloudFormationClient, deployment: string): Promise<DeploymentOutputs> {
  const outputs: Partial<Record<StackKind, Record<string, string>>> = {};
  for (const kind of STACK_KINDS) {
    const name = stackName(deployment, kind);
    const stack = await describeStack(cfn, name);
    if (!stack) {
      if (REQUIRED.includes(kind)) {
        throw new UserError(`The ${kind} stack ${name} of deployment ${deployment} does not exist.`, {
          nextSteps: ['Run `coder-platform day0 deploy` first (it resumes where it stopped).'],
        });
      }
      continue;
    }
    if (!USABLE.has(stack.StackStatus ?? '')) {
      throw new UserError(`The ${kind} stack ${name} is ${stack.StackStatus}, not deployed.`, {
        nextSteps: ['Run `coder-platform day0 deploy` to finish or repair it.'],
      });
    }
    outputs[kind] = stackOutputs(stack);
  }

  const get = (kind: StackKind, key: string): string => {
    const value = outputs[kind]?.[key];
    if (value === undefined || value === '') {
      throw new ExternalError(
        'aws',
        'cloudformation:DescribeStacks',
        `output ${key} is missing from ${stackName(deployment, kind)}`,
        {
          resource: stackName(deployment, kind),
          nextSteps: [
            'The stack was deployed by a different coder-platform version; run `coder-platform day0 deploy` to update it.',
          ],
        },
      );
    }
    return value;
  };
  const optional = (kind: StackKind, key: string): string | undefined => outputs[kind]?.[key] || undefined;

  const n = OUTPUT_KEYS.network;
  const d = OUTPUT_KEYS.data;
  const c = OUTPUT_KEYS.cluster;
  const e = OUTPUT_KEYS.edge;
  const s = OUTPUT_KEYS.schedule;
  const engine = get('data', d.engine);
  if (engine !== 'aurora-serverless-v2' && engine !== 'rds-postgres') {
    throw new ExternalError('aws', 'cloudformation:DescribeStacks', `output ${d.engine} has unknown engine ${engine}`, {
      resource: stackName(deployment, 'data'),
    });
  }
  const port = Number(get('data', d.port));
  const clusterIdentifier = optional('data', d.clusterIdentifier);
  const backupVaultName = optional('data', d.backupVaultName);

  return {
    vpcId: get('network', n.vpcId),
    subnetIds: parseSubnetIds(get('network', n.subnetIds)),
    database: {
      engine,
      ...(clusterIdentifier ? { clusterIdentifier } : {}),
      instanceIdentifier: get('data', d.instanceIdentifier),
      writerEndpoint: get('data', d.writerEndpoint),
      port,
      secretArn: get('data', d.secretArn),
      subnetGroupName: get('data', d.subnetGroupName),
      securityGroupId: get('data', d.securityGroupId),
      kmsKeyArn: get('data', d.kmsKeyArn),
      ...(backupVaultName ? { backupVaultName } : {}),
    },
    cluster: {
      name: get('cluster', c.clusterName),
      endpoint: get('cluster', c.clusterEndpoint),
      arn: get('cluster', c.clusterArn),
      securityGroupId: get('cluster', c.clusterSecurityGroupId),
      certificateAuthority: get('cluster', c.clusterCertificateAuthority),
      nodeGroupNames: parsePairs(get('cluster', c.nodeGroupNames)),
      roles: {
        coderd: get('cluster', c.coderdRoleArn),
        provisioner: get('cluster', c.provisionerRoleArn),
        ebsCsi: get('cluster', c.ebsCsiRoleArn),
        loadBalancerController: get('cluster', c.loadBalancerControllerRoleArn),
        clusterAutoscaler: get('cluster', c.clusterAutoscalerRoleArn),
      },
    },
    edge: {
      targetGroupArn: get('edge', e.targetGroupArn),
      loadBalancerDnsName: get('edge', e.loadBalancerDnsName),
      certificateArn: get('edge', e.certificateArn),
      hostedZoneId: get('edge', e.hostedZoneId),
      accessUrl: get('edge', e.accessUrl),
      wildcardAccessUrl: get('edge', e.wildcardAccessUrl),
    },
    ...(outputs.schedule
      ? {
          schedule: {
            scheduleGroupName: get('schedule', s.scheduleGroupName),
            schedulerRoleArn: get('schedule', s.schedulerRoleArn),
          },
        }
      : {}),
  };
}
