/**
 * The pre-upgrade database snapshot (Coder does not support rollbacks: a downgrade means restoring the
 * database taken before the upgrade) and the exact commands that restore it.
 */
import type { RDSClient } from '@aws-sdk/client-rds';
import { awsCall, classifyAwsError } from '../../../aws/clients.js';
import type { DeploymentOutputs } from '../../../deployment/outputs.js';

export interface SnapshotTarget {
  engine: DeploymentOutputs['database']['engine'];
  clusterIdentifier?: string | undefined;
  instanceIdentifier: string;
  subnetGroupName: string;
  securityGroupId: string;
}

/** `<deployment>-pre-upgrade-2-35-3-to-2-36-1-202611201200` (snapshot ids allow letters, digits, hyphens). */
export function snapshotIdentifier(deployment: string, from: string, to: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 12);
  return `${deployment}-pre-upgrade-${from}-to-${to}-${stamp}`.replace(/[^A-Za-z0-9-]/g, '-').replace(/-+/g, '-');
}

/** The snapshot's status, or undefined when it does not exist. */
export async function snapshotStatus(rds: RDSClient, db: SnapshotTarget, id: string): Promise<string | undefined> {
  const sdk = await import('@aws-sdk/client-rds');
  try {
    if (db.engine === 'aurora-serverless-v2') {
      return (await rds.send(new sdk.DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id })))
        .DBClusterSnapshots?.[0]?.Status;
    }
    return (await rds.send(new sdk.DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots?.[0]?.Status;
  } catch (error) {
    if (classifyAwsError(error) === 'not-found') return undefined;
    return awsCall(
      db.engine === 'aurora-serverless-v2' ? 'rds:DescribeDBClusterSnapshots' : 'rds:DescribeDBSnapshots',
      () => Promise.reject(error),
      id,
    );
  }
}

const TAGS = (deployment: string) => [
  { Key: 'coder-platform:deployment', Value: deployment },
  { Key: 'coder-platform:purpose', Value: 'pre-upgrade' },
];

/** Cluster snapshot for Aurora, instance snapshot for RDS. */
export async function createSnapshot(
  rds: RDSClient,
  db: SnapshotTarget,
  id: string,
  deployment: string,
): Promise<void> {
  const sdk = await import('@aws-sdk/client-rds');
  if (db.engine === 'aurora-serverless-v2') {
    await awsCall(
      'rds:CreateDBClusterSnapshot',
      () =>
        rds.send(
          new sdk.CreateDBClusterSnapshotCommand({
            DBClusterIdentifier: db.clusterIdentifier as string,
            DBClusterSnapshotIdentifier: id,
            Tags: TAGS(deployment),
          }),
        ),
      id,
    );
  } else {
    await awsCall(
      'rds:CreateDBSnapshot',
      () =>
        rds.send(
          new sdk.CreateDBSnapshotCommand({
            DBInstanceIdentifier: db.instanceIdentifier,
            DBSnapshotIdentifier: id,
            Tags: TAGS(deployment),
          }),
        ),
      id,
    );
  }
}

/** The exact AWS CLI commands that restore the snapshot into a new database beside the live one. */
export function restoreCommands(db: SnapshotTarget, snapshotId: string): string[] {
  if (db.engine === 'aurora-serverless-v2') {
    const target = `${db.clusterIdentifier as string}-restored`;
    return [
      `aws rds restore-db-cluster-from-snapshot --db-cluster-identifier ${target} --snapshot-identifier ${snapshotId} --engine aurora-postgresql --db-subnet-group-name ${db.subnetGroupName} --vpc-security-group-ids ${db.securityGroupId} --serverless-v2-scaling-configuration MinCapacity=0.5,MaxCapacity=16`,
      `aws rds create-db-instance --db-instance-identifier ${target}-writer --db-cluster-identifier ${target} --engine aurora-postgresql --db-instance-class db.serverless`,
      'then point the coder-db-url secret at the new writer endpoint and roll back the Helm release (helm rollback coder -n coder)',
    ];
  }
  return [
    `aws rds restore-db-instance-from-db-snapshot --db-instance-identifier ${db.instanceIdentifier}-restored --db-snapshot-identifier ${snapshotId} --db-subnet-group-name ${db.subnetGroupName} --vpc-security-group-ids ${db.securityGroupId} --no-publicly-accessible`,
    'then point the coder-db-url secret at the new instance endpoint and roll back the Helm release (helm rollback coder -n coder)',
  ];
}
