/**
 * A small stateful RDS behind aws-sdk-client-mock: restores create clusters/instances that become
 * available after one describe, deletes remove them, and every call is recorded in order.
 */
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type DBCluster,
  type DBInstance,
  type Tag,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';

export class NotFound extends Error {
  constructor(name: string, id: string) {
    super(`${id} not found`);
    this.name = name;
  }
}

export interface FakeRds {
  client: RDSClient;
  mock: ReturnType<typeof mockClient>;
  clusters: Map<string, DBCluster>;
  instances: Map<string, DBInstance>;
  /** Command names in call order (describes excluded). */
  log: string[];
  /** Once this cluster exists, its describes never answer (a process that dies while waiting). */
  hangOn: Set<string>;
  /** Errors the next CreateDBInstance calls throw, in order. */
  createInstanceFailures: Error[];
}

export function fakeRds(
  clock: () => Date,
  seed: { clusters?: DBCluster[]; instances?: DBInstance[]; clusterSnapshots?: object[]; snapshots?: object[] } = {},
): FakeRds {
  const client = new RDSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const mock = mockClient(client);
  const clusters = new Map((seed.clusters ?? []).map((c) => [c.DBClusterIdentifier as string, c]));
  const instances = new Map((seed.instances ?? []).map((i) => [i.DBInstanceIdentifier as string, i]));
  const log: string[] = [];
  const hangOn = new Set<string>();
  const advance = (): void => {
    // everything "creating" becomes available on the next look
    for (const c of clusters.values()) if (c.Status === 'creating') c.Status = 'available';
    for (const i of instances.values()) if (i.DBInstanceStatus === 'creating') i.DBInstanceStatus = 'available';
  };
  mock.on(DescribeDBClustersCommand).callsFake((input: { DBClusterIdentifier?: string }) => {
    if (input.DBClusterIdentifier === undefined) return { DBClusters: [...clusters.values()] };
    const c = clusters.get(input.DBClusterIdentifier);
    if (c && hangOn.has(input.DBClusterIdentifier)) return new Promise(() => undefined);
    if (!c) throw new NotFound('DBClusterNotFoundFault', input.DBClusterIdentifier);
    const copy = structuredClone(c);
    advance();
    return { DBClusters: [copy] };
  });
  mock.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier?: string }) => {
    if (input.DBInstanceIdentifier === undefined) return { DBInstances: [...instances.values()] };
    const i = instances.get(input.DBInstanceIdentifier);
    if (!i) throw new NotFound('DBInstanceNotFoundFault', input.DBInstanceIdentifier);
    const copy = structuredClone(i);
    if (i.DBInstanceStatus === 'deleting') instances.delete(input.DBInstanceIdentifier);
    advance();
    return { DBInstances: [copy] };
  });
  mock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: seed.clusterSnapshots ?? [] });
  mock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: seed.snapshots ?? [] });
  // RDS: 1–63 letters, digits or hyphens, starting with a letter, no trailing or double hyphen
  const checkIdentifier = (id: string): void => {
    if (!/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}$/.test(id) || id.endsWith('-'))
      throw Object.assign(new Error(`The parameter DBInstanceIdentifier is not a valid identifier: ${id}`), {
        name: 'InvalidParameterValue',
      });
  };
  const newCluster = (id: string, tags: Tag[] | undefined): object => {
    checkIdentifier(id);
    log.push(`restore-cluster ${id}`);
    clusters.set(id, {
      DBClusterIdentifier: id,
      Status: 'creating',
      TagList: tags ?? [],
      ClusterCreateTime: clock(),
      Endpoint: `${id}.cluster-x.us-east-1.rds.amazonaws.com`,
      Port: 5432,
      DBClusterMembers: [],
    });
    return {};
  };
  mock
    .on(RestoreDBClusterToPointInTimeCommand)
    .callsFake((input: { DBClusterIdentifier: string; Tags?: Tag[] }) =>
      newCluster(input.DBClusterIdentifier, input.Tags),
    );
  mock
    .on(RestoreDBClusterFromSnapshotCommand)
    .callsFake((input: { DBClusterIdentifier: string; Tags?: Tag[] }) =>
      newCluster(input.DBClusterIdentifier, input.Tags),
    );
  const newInstance = (id: string, tags: Tag[] | undefined, cluster?: string): object => {
    checkIdentifier(id);
    log.push(`${cluster ? 'create-instance' : 'restore-instance'} ${id}`);
    instances.set(id, {
      DBInstanceIdentifier: id,
      DBInstanceStatus: 'creating',
      TagList: tags ?? [],
      InstanceCreateTime: clock(),
      ...(cluster
        ? { DBClusterIdentifier: cluster }
        : { Endpoint: { Address: `${id}.x.us-east-1.rds.amazonaws.com`, Port: 5432 } }),
    });
    const c = cluster ? clusters.get(cluster) : undefined;
    if (c) c.DBClusterMembers = [...(c.DBClusterMembers ?? []), { DBInstanceIdentifier: id, IsClusterWriter: true }];
    return {};
  };
  const createInstanceFailures: Error[] = [];
  mock
    .on(CreateDBInstanceCommand)
    .callsFake((input: { DBInstanceIdentifier: string; Tags?: Tag[]; DBClusterIdentifier?: string }) => {
      checkIdentifier(input.DBInstanceIdentifier);
      const failure = createInstanceFailures.shift();
      if (failure) throw failure;
      return newInstance(input.DBInstanceIdentifier, input.Tags, input.DBClusterIdentifier);
    });
  mock
    .on(RestoreDBInstanceToPointInTimeCommand)
    .callsFake((input: { TargetDBInstanceIdentifier: string; Tags?: Tag[] }) =>
      newInstance(input.TargetDBInstanceIdentifier, input.Tags),
    );
  mock
    .on(RestoreDBInstanceFromDBSnapshotCommand)
    .callsFake((input: { DBInstanceIdentifier: string; Tags?: Tag[] }) =>
      newInstance(input.DBInstanceIdentifier, input.Tags),
    );
  mock.on(DeleteDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
    log.push(`delete-instance ${input.DBInstanceIdentifier}`);
    const i = instances.get(input.DBInstanceIdentifier);
    if (i) i.DBInstanceStatus = 'deleting';
    return {};
  });
  mock.on(DeleteDBClusterCommand).callsFake((input: { DBClusterIdentifier: string }) => {
    const c = clusters.get(input.DBClusterIdentifier);
    const live = (c?.DBClusterMembers ?? []).filter((m) => instances.has(m.DBInstanceIdentifier as string));
    if (live.length > 0)
      throw Object.assign(new Error('Cluster cannot be deleted, it still contains DB instances'), {
        name: 'InvalidDBClusterStateFault',
      });
    log.push(`delete-cluster ${input.DBClusterIdentifier}`);
    clusters.delete(input.DBClusterIdentifier);
    return {};
  });
  return {
    client,
    mock: mock as unknown as ReturnType<typeof mockClient>,
    clusters,
    instances,
    log,
    hangOn,
    createInstanceFailures,
  };
}
