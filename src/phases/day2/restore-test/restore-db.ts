/**
 * The database side of a restore test on RDS / Aurora PostgreSQL: the restore point, the restore into a
 * temporary, tagged database, the Aurora writer instance a cluster restore does not create (seed-facts
 * defect 7), and deletion (instances first, then the cluster, no final snapshot, deletion protection off).
 * Every call goes through awsCall so failures name the IAM action.
 */
import type { DBCluster, DBInstance, RDSClient, Tag } from '@aws-sdk/client-rds';
import { awsCall, classifyAwsError } from '../../../aws/clients.js';
import { UserError } from '../../../errors.js';
import { pollUntil } from '../poll.js';

export type DbEngine = 'aurora-serverless-v2' | 'rds-postgres';
export type RestoreMode = 'pitr' | 'snapshot' | 'time';

export const RESTORE_TAG = {
  deployment: 'coder-platform:deployment',
  purpose: 'coder-platform:purpose',
  restoreId: 'coder-platform:restore-test-id',
} as const;
export const RESTORE_PURPOSE = 'restore-test';

/** The live database and where a copy may go (from the data stack outputs and the config). */
export interface RestoreSource {
  deployment: string;
  engine: DbEngine;
  /** Aurora cluster identifier (Aurora only). */
  clusterIdentifier?: string | undefined;
  /** RDS instance identifier. */
  instanceIdentifier: string;
  subnetGroupName: string;
  securityGroupId: string;
  kmsKeyArn?: string | undefined;
  /** Aurora Serverless v2 capacity of the copy. */
  minAcu: number;
  maxAcu: number;
}

export interface RestorePoint {
  mode: RestoreMode;
  /** ISO-8601 UTC. */
  restorePoint: string;
  snapshotIdentifier: string | null;
  engineVersion: string;
  masterUsername: string;
  /** The live database's parameter groups (rds.force_ssl and the rest), so the copy behaves like production. */
  clusterParameterGroup: string | null;
  instanceParameterGroup: string | null;
}

/** The restored copy as AWS reports it. */
export interface RestoredDatabase {
  restoreId: string;
  clusterIdentifier: string | null;
  instanceIdentifier: string;
  /** When AWS began the restore (cluster / instance creation time), ISO-8601. */
  restoreStartedAt: string;
  clusterStatus: string | null;
  instanceStatus: string | null;
  writerEndpoint: string | null;
  port: number | null;
}

/** `<deployment>-restore-test-<yyyymmddhhmmss>`: a valid DB identifier, unique per run. */
export function restoreIdentifier(deployment: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${deployment}-restore-test-${stamp}`;
}

/** RDS DB identifiers are at most 63 characters. */
export const RDS_IDENTIFIER_MAX = 63;

/**
 * The writer instance created in a restored Aurora cluster: `<restoreId>-writer`, or `<restoreId>-w` when
 * that would pass the 63-character limit (deployment names of 29–32 characters). Always derived from the
 * restore id, so a resumed run finds it; it carries the restore-id tags, so the sweep finds it too.
 */
export function auroraInstanceIdentifier(restoreId: string): string {
  const full = `${restoreId}-writer`;
  return full.length <= RDS_IDENTIFIER_MAX ? full : `${restoreId}-w`;
}

function tags(source: RestoreSource, restoreId: string): Tag[] {
  return [
    { Key: RESTORE_TAG.deployment, Value: source.deployment },
    { Key: RESTORE_TAG.purpose, Value: RESTORE_PURPOSE },
    { Key: RESTORE_TAG.restoreId, Value: restoreId },
    { Key: 'Name', Value: restoreId },
  ];
}

function isRestoreCopy(deployment: string, tagList: Tag[] | undefined): boolean {
  const map = new Map((tagList ?? []).map((t) => [t.Key, t.Value]));
  return map.get(RESTORE_TAG.deployment) === deployment && map.get(RESTORE_TAG.purpose) === RESTORE_PURPOSE;
}

async function describeCluster(rds: RDSClient, id: string): Promise<DBCluster | undefined> {
  const { DescribeDBClustersCommand } = await import('@aws-sdk/client-rds');
  try {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
    return out.DBClusters?.[0];
  } catch (error) {
    if (classifyAwsError(error) === 'not-found') return undefined;
    return awsCall('rds:DescribeDBClusters', () => Promise.reject(error), id);
  }
}

async function describeInstance(rds: RDSClient, id: string): Promise<DBInstance | undefined> {
  const { DescribeDBInstancesCommand } = await import('@aws-sdk/client-rds');
  try {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return out.DBInstances?.[0];
  } catch (error) {
    if (classifyAwsError(error) === 'not-found') return undefined;
    return awsCall('rds:DescribeDBInstances', () => Promise.reject(error), id);
  }
}

function iso(date: Date | undefined): string | undefined {
  return date === undefined ? undefined : new Date(date).toISOString();
}

/**
 * The restore point: the latest restorable time (PITR, default), the newest available snapshot, or a
 * given time inside the restorable window. Also the engine version and master user, which the copy keeps.
 */
export async function resolveRestorePoint(
  rds: RDSClient,
  source: RestoreSource,
  mode: RestoreMode,
  time?: string,
): Promise<RestorePoint> {
  const aurora = source.engine === 'aurora-serverless-v2';
  if (aurora && !source.clusterIdentifier)
    throw new UserError('The data stack outputs name no Aurora cluster (DbClusterIdentifier).', {
      nextSteps: ['Re-run `coder-platform day0 deploy` so the data stack outputs are current.'],
    });
  const sourceId = aurora ? (source.clusterIdentifier as string) : source.instanceIdentifier;
  const live = aurora ? await describeCluster(rds, sourceId) : await describeInstance(rds, sourceId);
  if (live === undefined)
    throw new UserError(`The live database ${sourceId} was not found.`, {
      nextSteps: ['Check --region and that Day 0 completed (coder-platform status).'],
    });
  const engineVersion = live.EngineVersion ?? '';
  const masterUsername = live.MasterUsername ?? '';
  // Aurora: the cluster's group, and the writer instance's; RDS: the instance's
  const writer = aurora ? await describeInstance(rds, source.instanceIdentifier) : (live as DBInstance);
  const groups = {
    clusterParameterGroup: aurora ? ((live as DBCluster).DBClusterParameterGroup ?? null) : null,
    instanceParameterGroup: writer?.DBParameterGroups?.[0]?.DBParameterGroupName ?? null,
  };
  if (mode === 'snapshot') {
    const snapshots = aurora
      ? (
          await awsCall(
            'rds:DescribeDBClusterSnapshots',
            async () => {
              const { DescribeDBClusterSnapshotsCommand } = await import('@aws-sdk/client-rds');
              return (
                (await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: sourceId })))
                  .DBClusterSnapshots ?? []
              );
            },
            sourceId,
          )
        ).map((s) => ({
          id: s.DBClusterSnapshotIdentifier,
          status: s.Status,
          created: s.SnapshotCreateTime,
          version: s.EngineVersion,
        }))
      : (
          await awsCall(
            'rds:DescribeDBSnapshots',
            async () => {
              const { DescribeDBSnapshotsCommand } = await import('@aws-sdk/client-rds');
              return (
                (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: sourceId }))).DBSnapshots ?? []
              );
            },
            sourceId,
          )
        ).map((s) => ({
          id: s.DBSnapshotIdentifier,
          status: s.Status,
          created: s.SnapshotCreateTime,
          version: s.EngineVersion,
        }));
    const newest = snapshots
      .filter((s) => s.status === 'available' && s.created !== undefined && s.id !== undefined)
      .sort((a, b) => new Date(b.created as Date).getTime() - new Date(a.created as Date).getTime())[0];
    if (newest === undefined)
      throw new UserError(`No available snapshot of ${sourceId} exists.`, {
        nextSteps: ['Restore to a point in time instead (omit --from snapshot).'],
      });
    return {
      mode,
      restorePoint: iso(newest.created) as string,
      snapshotIdentifier: newest.id as string,
      engineVersion: newest.version ?? engineVersion,
      masterUsername,
      ...groups,
    };
  }
  const latest = iso(live.LatestRestorableTime);
  const earliest = iso('EarliestRestorableTime' in live ? live.EarliestRestorableTime : undefined);
  if (latest === undefined)
    throw new UserError(`${sourceId} reports no restorable time: automated backups are off or not yet taken.`, {
      nextSteps: ['Enable automated backups (database.backupRetentionDays) or use --from snapshot.'],
    });
  if (mode === 'time') {
    const at = Date.parse(time ?? '');
    if (Number.isNaN(at))
      throw new UserError(`--time ${time ?? ''} is not an ISO-8601 time.`, {
        nextSteps: ['Pass e.g. --time 2026-11-20T12:00:00Z.'],
      });
    if (at > Date.parse(latest) || (earliest !== undefined && at < Date.parse(earliest))) {
      throw new UserError(
        `--time ${new Date(at).toISOString()} is outside the restorable window ${earliest ?? '?'} … ${latest}.`,
        { nextSteps: ['Pick a time inside the window, or omit --time for the latest restorable time.'] },
      );
    }
    return {
      mode,
      restorePoint: new Date(at).toISOString(),
      snapshotIdentifier: null,
      engineVersion,
      masterUsername,
      ...groups,
    };
  }
  return { mode, restorePoint: latest, snapshotIdentifier: null, engineVersion, masterUsername, ...groups };
}

/** The copy named `restoreId`, as it stands now, or undefined when nothing by that name exists. */
export async function findRestore(
  rds: RDSClient,
  source: RestoreSource,
  restoreId: string,
): Promise<RestoredDatabase | undefined> {
  if (source.engine === 'aurora-serverless-v2') {
    const cluster = await describeCluster(rds, restoreId);
    if (cluster === undefined || !isRestoreCopy(source.deployment, cluster.TagList)) return undefined;
    const instanceId = auroraInstanceIdentifier(restoreId);
    const instance = await describeInstance(rds, instanceId);
    return {
      restoreId,
      clusterIdentifier: restoreId,
      instanceIdentifier: instanceId,
      restoreStartedAt: iso(cluster.ClusterCreateTime) ?? new Date().toISOString(),
      clusterStatus: cluster.Status ?? null,
      instanceStatus: instance?.DBInstanceStatus ?? null,
      writerEndpoint: cluster.Endpoint ?? null,
      port: cluster.Port ?? null,
    };
  }
  const instance = await describeInstance(rds, restoreId);
  if (instance === undefined || !isRestoreCopy(source.deployment, instance.TagList)) return undefined;
  return {
    restoreId,
    clusterIdentifier: null,
    instanceIdentifier: restoreId,
    restoreStartedAt: iso(instance.InstanceCreateTime) ?? new Date().toISOString(),
    clusterStatus: null,
    instanceStatus: instance.DBInstanceStatus ?? null,
    writerEndpoint: instance.Endpoint?.Address ?? null,
    port: instance.Endpoint?.Port ?? null,
  };
}

/** Start the restore (cluster for Aurora, instance for RDS). Not idempotent: callers check findRestore first. */
export async function startRestore(
  rds: RDSClient,
  source: RestoreSource,
  point: RestorePoint,
  restoreId: string,
): Promise<void> {
  const sdk = await import('@aws-sdk/client-rds');
  const common = {
    DBSubnetGroupName: source.subnetGroupName,
    VpcSecurityGroupIds: [source.securityGroupId],
    Tags: tags(source, restoreId),
    DeletionProtection: false,
  };
  if (source.engine === 'aurora-serverless-v2') {
    const aurora = {
      ...common,
      DBClusterIdentifier: restoreId,
      ServerlessV2ScalingConfiguration: { MinCapacity: source.minAcu, MaxCapacity: source.maxAcu },
      ...(source.kmsKeyArn ? { KmsKeyId: source.kmsKeyArn } : {}),
      ...(point.clusterParameterGroup ? { DBClusterParameterGroupName: point.clusterParameterGroup } : {}),
    };
    if (point.snapshotIdentifier !== null) {
      await awsCall(
        'rds:RestoreDBClusterFromSnapshot',
        () =>
          rds.send(
            new sdk.RestoreDBClusterFromSnapshotCommand({
              ...aurora,
              SnapshotIdentifier: point.snapshotIdentifier as string,
              Engine: 'aurora-postgresql',
              EngineVersion: point.engineVersion,
            }),
          ),
        restoreId,
      );
    } else {
      await awsCall(
        'rds:RestoreDBClusterToPointInTime',
        () =>
          rds.send(
            new sdk.RestoreDBClusterToPointInTimeCommand({
              ...aurora,
              SourceDBClusterIdentifier: source.clusterIdentifier as string,
              RestoreToTime: new Date(point.restorePoint),
            }),
          ),
        restoreId,
      );
    }
    return;
  }
  const rdsCommon = {
    ...common,
    MultiAZ: false,
    PubliclyAccessible: false,
    ...(point.instanceParameterGroup ? { DBParameterGroupName: point.instanceParameterGroup } : {}),
  };
  if (point.snapshotIdentifier !== null) {
    await awsCall(
      'rds:RestoreDBInstanceFromDBSnapshot',
      () =>
        rds.send(
          new sdk.RestoreDBInstanceFromDBSnapshotCommand({
            ...rdsCommon,
            DBInstanceIdentifier: restoreId,
            DBSnapshotIdentifier: point.snapshotIdentifier as string,
          }),
        ),
      restoreId,
    );
  } else {
    await awsCall(
      'rds:RestoreDBInstanceToPointInTime',
      () =>
        rds.send(
          new sdk.RestoreDBInstanceToPointInTimeCommand({
            ...rdsCommon,
            SourceDBInstanceIdentifier: source.instanceIdentifier,
            TargetDBInstanceIdentifier: restoreId,
            RestoreTime: new Date(point.restorePoint),
          }),
        ),
      restoreId,
    );
  }
}

/** The db.serverless writer in a restored Aurora cluster (a cluster restore creates no instance). */
export async function createAuroraWriter(
  rds: RDSClient,
  source: RestoreSource,
  restoreId: string,
  parameterGroup: string | null,
): Promise<void> {
  const { CreateDBInstanceCommand } = await import('@aws-sdk/client-rds');
  const id = auroraInstanceIdentifier(restoreId);
  await awsCall(
    'rds:CreateDBInstance',
    () =>
      rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          DBClusterIdentifier: restoreId,
          Engine: 'aurora-postgresql',
          DBInstanceClass: 'db.serverless',
          PubliclyAccessible: false,
          Tags: tags(source, restoreId),
          ...(parameterGroup ? { DBParameterGroupName: parameterGroup } : {}),
        }),
      ),
    id,
  );
}

export interface WaitOptions {
  signal: AbortSignal;
  intervalMs?: number;
  timeoutMs?: number;
}

const FAILED_STATES = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'inaccessible-encryption-credentials',
  'restore-error',
  'storage-full',
]);

/** Restore the copy (or continue a restore found by name), create the Aurora writer, and wait for both. */
export async function ensureRestored(
  rds: RDSClient,
  source: RestoreSource,
  point: RestorePoint,
  restoreId: string,
  wait: WaitOptions,
): Promise<RestoredDatabase> {
  const aurora = source.engine === 'aurora-serverless-v2';
  if ((await findRestore(rds, source, restoreId)) === undefined) await startRestore(rds, source, point, restoreId);
  const poll = {
    signal: wait.signal,
    intervalMs: wait.intervalMs ?? 30_000,
    timeoutMs: wait.timeoutMs ?? 3 * 3600_000,
    resource: restoreId,
  };
  const check = (state: string | null, what: string): void => {
    if (state !== null && FAILED_STATES.has(state))
      throw new UserError(`The restored ${what} ${restoreId} entered state ${state}.`, {
        nextSteps: [
          'See the RDS events of the copy, fix the cause, and re-run (the copy is deleted on failure unless --keep).',
        ],
      });
  };
  if (aurora) {
    await pollUntil(
      async () => {
        const r = await findRestore(rds, source, restoreId);
        check(r?.clusterStatus ?? null, 'cluster');
        return r?.clusterStatus === 'available'
          ? { done: true, value: r }
          : { done: false, state: r?.clusterStatus ?? 'not found' };
      },
      { ...poll, operation: 'rds:DescribeDBClusters', what: `cluster ${restoreId} available` },
    );
    if ((await describeInstance(rds, auroraInstanceIdentifier(restoreId))) === undefined)
      await createAuroraWriter(rds, source, restoreId, point.instanceParameterGroup);
  }
  return pollUntil(
    async () => {
      const r = await findRestore(rds, source, restoreId);
      check(r?.instanceStatus ?? null, 'instance');
      const ready =
        r !== undefined &&
        r.instanceStatus === 'available' &&
        r.writerEndpoint !== null &&
        (!aurora || r.clusterStatus === 'available');
      return ready ? { done: true, value: r } : { done: false, state: r?.instanceStatus ?? 'not found' };
    },
    { ...poll, operation: 'rds:DescribeDBInstances', what: `writer instance of ${restoreId} available` },
  );
}

/** Delete a copy: instances first (waited for), then the cluster. No final snapshot; deletion protection off. */
export async function deleteRestore(
  rds: RDSClient,
  restore: { clusterIdentifier: string | null; instanceIdentifiers: string[] },
  wait: WaitOptions,
): Promise<void> {
  const sdk = await import('@aws-sdk/client-rds');
  for (const id of restore.instanceIdentifiers) {
    const instance = await describeInstance(rds, id);
    if (instance === undefined) continue;
    if (instance.DeletionProtection === true) {
      await awsCall(
        'rds:ModifyDBInstance',
        () =>
          rds.send(
            new sdk.ModifyDBInstanceCommand({
              DBInstanceIdentifier: id,
              DeletionProtection: false,
              ApplyImmediately: true,
            }),
          ),
        id,
      );
    }
    if (instance.DBInstanceStatus !== 'deleting') {
      await awsCall(
        'rds:DeleteDBInstance',
        () =>
          rds.send(
            new sdk.DeleteDBInstanceCommand({
              DBInstanceIdentifier: id,
              SkipFinalSnapshot: true,
              DeleteAutomatedBackups: true,
            }),
          ),
        id,
      );
    }
  }
  for (const id of restore.instanceIdentifiers) {
    await pollUntil(
      async () => {
        const i = await describeInstance(rds, id);
        return i === undefined
          ? { done: true, value: undefined }
          : { done: false, state: i.DBInstanceStatus ?? 'unknown' };
      },
      {
        signal: wait.signal,
        intervalMs: wait.intervalMs ?? 30_000,
        timeoutMs: wait.timeoutMs ?? 3600_000,
        operation: 'rds:DescribeDBInstances',
        what: `instance ${id} deleted`,
        resource: id,
      },
    );
  }
  if (restore.clusterIdentifier !== null) {
    const id = restore.clusterIdentifier;
    const cluster = await describeCluster(rds, id);
    if (cluster === undefined) return;
    if (cluster.DeletionProtection === true) {
      await awsCall(
        'rds:ModifyDBCluster',
        () =>
          rds.send(
            new sdk.ModifyDBClusterCommand({
              DBClusterIdentifier: id,
              DeletionProtection: false,
              ApplyImmediately: true,
            }),
          ),
        id,
      );
    }
    if (cluster.Status !== 'deleting') {
      await awsCall(
        'rds:DeleteDBCluster',
        () => rds.send(new sdk.DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true })),
        id,
      );
    }
  }
}

/** Copies left by earlier runs (found by tag), with their instances. */
export async function findLeftovers(
  rds: RDSClient,
  deployment: string,
): Promise<{ clusterIdentifier: string | null; instanceIdentifiers: string[] }[]> {
  const sdk = await import('@aws-sdk/client-rds');
  const clusters: DBCluster[] = [];
  const instances: DBInstance[] = [];
  let marker: string | undefined;
  do {
    const out = await awsCall('rds:DescribeDBClusters', () =>
      rds.send(new sdk.DescribeDBClustersCommand({ ...(marker ? { Marker: marker } : {}) })),
    );
    clusters.push(...(out.DBClusters ?? []));
    marker = out.Marker;
  } while (marker);
  do {
    const out = await awsCall('rds:DescribeDBInstances', () =>
      rds.send(new sdk.DescribeDBInstancesCommand({ ...(marker ? { Marker: marker } : {}) })),
    );
    instances.push(...(out.DBInstances ?? []));
    marker = out.Marker;
  } while (marker);
  const found: { clusterIdentifier: string | null; instanceIdentifiers: string[] }[] = [];
  for (const c of clusters.filter((c) => isRestoreCopy(deployment, c.TagList))) {
    found.push({
      clusterIdentifier: c.DBClusterIdentifier as string,
      instanceIdentifiers: (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier as string),
    });
  }
  const inClusters = new Set(found.flatMap((f) => f.instanceIdentifiers));
  for (const i of instances.filter(
    (i) => isRestoreCopy(deployment, i.TagList) && !inClusters.has(i.DBInstanceIdentifier as string),
  )) {
    if (i.DBClusterIdentifier) continue; // an Aurora instance whose cluster is not a copy: never ours to delete
    found.push({ clusterIdentifier: null, instanceIdentifiers: [i.DBInstanceIdentifier as string] });
  }
  return found;
}
