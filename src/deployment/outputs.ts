/**
 * Names defined once and read everywhere (seed-facts defect 26): the CloudFormation stacks Day 0 creates,
 * the outputs Day 1 and Day 2 read from them, and the Secrets Manager names the CLI itself writes.
 * The CDK app (assets/cdk) emits exactly these output keys; readers parse them into DeploymentOutputs.
 */

export const STACK_KINDS = ['network', 'data', 'cluster', 'edge', 'schedule'] as const;
export type StackKind = (typeof STACK_KINDS)[number];

/** CloudFormation stack name per kind, e.g. `coder-network`. */
export function stackName(deployment: string, kind: StackKind): string {
  return `${deployment}-${kind}`;
}

export function stackNames(deployment: string): Record<StackKind, string> {
  return Object.fromEntries(STACK_KINDS.map((k) => [k, stackName(deployment, k)])) as Record<StackKind, string>;
}

/** CloudFormation output keys, by stack. Lists are comma-separated; maps are `key=value` pairs, comma-separated. */
export const OUTPUT_KEYS = {
  network: {
    vpcId: 'VpcId',
    /** `tier=subnet-a,subnet-b;tier2=…` */
    subnetIds: 'SubnetIds',
    flowLogGroupName: 'FlowLogGroupName',
  },
  data: {
    engine: 'DbEngine',
    /** Aurora cluster identifier (Aurora only). */
    clusterIdentifier: 'DbClusterIdentifier',
    /** RDS instance identifier (RDS) or the Aurora writer instance identifier. */
    instanceIdentifier: 'DbInstanceIdentifier',
    writerEndpoint: 'DbWriterEndpoint',
    port: 'DbPort',
    /** Secrets Manager secret with the generated master credentials (JSON: username, password, host, port, dbname). */
    secretArn: 'DbSecretArn',
    subnetGroupName: 'DbSubnetGroupName',
    securityGroupId: 'DbSecurityGroupId',
    kmsKeyArn: 'DbKmsKeyArn',
    backupVaultName: 'BackupVaultName',
    backupPlanId: 'BackupPlanId',
  },
  cluster: {
    clusterName: 'ClusterName',
    clusterEndpoint: 'ClusterEndpoint',
    clusterArn: 'ClusterArn',
    clusterSecurityGroupId: 'ClusterSecurityGroupId',
    /** Certificate authority data of the API server (base64). */
    clusterCertificateAuthority: 'ClusterCertificateAuthority',
    /** `configGroupName=eksNodegroupName,…` */
    nodeGroupNames: 'NodeGroupNames',
    secretsKmsKeyArn: 'SecretsKmsKeyArn',
    coderdRoleArn: 'CoderdRoleArn',
    provisionerRoleArn: 'ProvisionerRoleArn',
    ebsCsiRoleArn: 'EbsCsiRoleArn',
    loadBalancerControllerRoleArn: 'LoadBalancerControllerRoleArn',
    clusterAutoscalerRoleArn: 'ClusterAutoscalerRoleArn',
  },
  edge: {
    targetGroupArn: 'CoderTargetGroupArn',
    loadBalancerArn: 'LoadBalancerArn',
    loadBalancerDnsName: 'LoadBalancerDnsName',
    certificateArn: 'CertificateArn',
    hostedZoneId: 'HostedZoneId',
    accessUrl: 'AccessUrl',
    wildcardAccessUrl: 'WildcardAccessUrl',
  },
  schedule: {
    scheduleGroupName: 'ScheduleGroupName',
    schedulerRoleArn: 'SchedulerRoleArn',
    /** `configGroupName:up=scheduleName;down=scheduleName,…` */
    scheduleNames: 'ScheduleNames',
    /** The state machine the schedules start (min := target, desired := max(current, target)). */
    stateMachineArn: 'ScalingStateMachineArn',
  },
} as const;

/** Everything Day 1 and Day 2 read about a deployed platform. */
export interface DeploymentOutputs {
  vpcId: string;
  subnetIds: Record<string, string[]>;
  database: {
    engine: 'aurora-serverless-v2' | 'rds-postgres';
    clusterIdentifier?: string;
    instanceIdentifier: string;
    writerEndpoint: string;
    port: number;
    secretArn: string;
    subnetGroupName: string;
    securityGroupId: string;
    kmsKeyArn: string;
    backupVaultName?: string;
  };
  cluster: {
    name: string;
    endpoint: string;
    arn: string;
    securityGroupId: string;
    certificateAuthority: string;
    /** config node-group name → EKS node-group name */
    nodeGroupNames: Record<string, string>;
    roles: {
      coderd: string;
      provisioner: string;
      ebsCsi: string;
      loadBalancerController: string;
      clusterAutoscaler: string;
    };
  };
  edge: {
    targetGroupArn: string;
    loadBalancerDnsName: string;
    certificateArn: string;
    hostedZoneId: string;
    accessUrl: string;
    wildcardAccessUrl: string;
  };
  schedule?: { scheduleGroupName: string; schedulerRoleArn: string };
}

/** Secrets Manager names the CLI creates itself (never files, never the journal). */
export function secretNames(deployment: string): {
  adminPassword: string;
  sessionToken: string;
  provisionerKey: string;
} {
  return {
    adminPassword: `${deployment}/coder/admin-password`,
    sessionToken: `${deployment}/coder/session-token`,
    provisionerKey: `${deployment}/coder/provisioner-key`,
  };
}

/** Parse `a=x,b=y` into a record. */
export function parsePairs(value: string | undefined): Record<string, string> {
  if (!value) return {};
  return Object.fromEntries(
    value
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        const i = p.indexOf('=');
        return [p.slice(0, i), p.slice(i + 1)];
      }),
  );
}

/** Format a record as `a=x,b=y` (stable order). */
export function formatPairs(value: Record<string, string>): string {
  return Object.keys(value)
    .sort()
    .map((k) => `${k}=${value[k]}`)
    .join(',');
}
