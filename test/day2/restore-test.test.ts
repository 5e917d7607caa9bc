/**
 * Restore-test orchestration on the real engine (runPhase, journal, lock in a temp state dir) with a
 * mocked RDS (aws-sdk-client-mock) and a fake kubectl whose Job prints the two validation results.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  RestoreDBClusterToPointInTimeCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckFailedError } from '../../src/errors.js';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import type { Phase } from '../../src/engine/types.js';
import type { PhaseRunner } from '../../src/phases/day2/phase-runner.js';
import {
  computeObjectives,
  renderReportMarkdown,
  type RestoreTestReport,
} from '../../src/phases/day2/restore-test/restore-report.js';
import { runRestoreTest, type RestoreTestOptions } from '../../src/phases/day2/restore-test/service.js';
import {
  auroraInstanceIdentifier,
  restoreIdentifier,
  type RestoreSource,
} from '../../src/phases/day2/restore-test/restore-db.js';
import type { JobKubectl } from '../../src/phases/day2/restore-test/validation-job.js';
import type { ValidationSnapshot } from '../../src/phases/day2/restore-test/validation-sql.js';
import { fakeRds, type FakeRds } from './fake-rds.js';

const PASSWORD = 's3cret-Pa55';
const TAGS = [
  { Key: 'coder-platform:deployment', Value: 'demo' },
  { Key: 'coder-platform:purpose', Value: 'restore-test' },
];

function snapshot(over: Partial<ValidationSnapshot> = {}): ValidationSnapshot {
  const count = (total: number, after: number | null = 0) => ({ total, createdAfterRestorePoint: after });
  return {
    serverVersion: '16.6',
    capturedAt: '2026-11-20T12:30:00.000000Z',
    tablesPresent: [
      'api_keys',
      'audit_logs',
      'files',
      'group_members',
      'groups',
      'licenses',
      'organization_members',
      'organizations',
      'provisioner_jobs',
      'provisioner_keys',
      'schema_migrations',
      'template_versions',
      'templates',
      'users',
      'workspace_agents',
      'workspace_builds',
      'workspace_resources',
      'workspaces',
    ],
    unloggedTables: [],
    migration: { version: 564, dirty: false },
    counts: {
      users: count(10),
      organizations: count(1),
      templates: count(3),
      template_versions: count(7),
      workspaces: count(20),
      workspace_builds: count(90),
      groups: count(2, null),
    },
    owners: 1,
    defaultOrganizations: 1,
    newestWorkspaceBuildAt: '2026-11-20T11:50:00.000000Z',
    newestAuditLogAt: '2026-11-20T11:52:00.000000Z',
    ...over,
  };
}

class FakeKubectl implements JobKubectl {
  calls: string[] = [];
  applied: object[] = [];
  secrets: Record<string, Record<string, string>> = {};
  constructor(
    private readonly restored: ValidationSnapshot,
    private readonly live: ValidationSnapshot,
  ) {}
  async apply(manifests: object[]): Promise<void> {
    this.calls.push(`apply ${manifests.map((m) => (m as { kind: string }).kind).join(',')}`);
    this.applied.push(...manifests);
  }
  async createSecret(name: string, _ns: string, data: Record<string, string>): Promise<void> {
    this.calls.push(`secret ${name}`);
    this.secrets[name] = data;
  }
  async waitForJob(): Promise<'complete' | 'failed'> {
    return 'complete';
  }
  async logs(): Promise<string> {
    return `CODER_PLATFORM_RESTORED ${JSON.stringify(this.restored)}\nCODER_PLATFORM_LIVE ${JSON.stringify(this.live)}\n`;
  }
  async delete(kind: string, name: string): Promise<void> {
    this.calls.push(`delete ${kind} ${name}`);
  }
}

/** A clock that moves one minute per reading, from 12:00 UTC. */
function clock(): () => Date {
  let t = Date.parse('2026-11-20T12:00:00Z');
  return () => {
    const d = new Date(t);
    t += 60_000;
    return d;
  };
}

const dirs: string[] = [];
afterEach(() => dirs.splice(0));

async function setup(
  engine: RestoreSource['engine'],
  opts: Partial<RestoreTestOptions> = {},
  seed: Parameters<typeof fakeRds>[1] = {},
) {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'day2-restore-'));
  dirs.push(stateDir);
  const now = clock();
  const aurora = engine === 'aurora-serverless-v2';
  const live = aurora
    ? {
        clusters: [
          {
            DBClusterIdentifier: 'demo-db',
            Status: 'available',
            EngineVersion: '16.6',
            MasterUsername: 'coder_admin',
            LatestRestorableTime: new Date('2026-11-20T11:55:00Z'),
            EarliestRestorableTime: new Date('2026-11-01T00:00:00Z'),
            TagList: [],
            DBClusterParameterGroup: 'demo-db-cluster-params',
            DBClusterMembers: [{ DBInstanceIdentifier: 'demo-db-writer', IsClusterWriter: true }],
          },
        ],
        instances: [
          {
            DBInstanceIdentifier: 'demo-db-writer',
            DBInstanceStatus: 'available',
            DBClusterIdentifier: 'demo-db',
            TagList: [],
            DBParameterGroups: [{ DBParameterGroupName: 'demo-db-instance-params', ParameterApplyStatus: 'in-sync' }],
          },
        ],
      }
    : {
        instances: [
          {
            DBInstanceIdentifier: 'demo-db',
            DBInstanceStatus: 'available',
            EngineVersion: '16.6',
            MasterUsername: 'coder',
            LatestRestorableTime: new Date('2026-11-20T11:55:00Z'),
            TagList: [],
            Endpoint: { Address: 'demo-db.x', Port: 5432 },
            DBParameterGroups: [{ DBParameterGroupName: 'demo-db-params', ParameterApplyStatus: 'in-sync' }],
          },
        ],
      };
  const rds = fakeRds(now, {
    ...seed,
    clusters: [...(('clusters' in live ? live.clusters : undefined) ?? []), ...(seed.clusters ?? [])],
    instances: [...live.instances, ...(seed.instances ?? [])],
  });
  const source: RestoreSource = {
    deployment: 'demo',
    engine,
    clusterIdentifier: aurora ? 'demo-db' : undefined,
    instanceIdentifier: aurora ? 'demo-db-writer' : 'demo-db',
    subnetGroupName: 'demo-db-subnets',
    securityGroupId: 'sg-db',
    kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k',
    minAcu: 0.5,
    maxAcu: 4,
  };
  const options: RestoreTestOptions = {
    source,
    live: { host: 'demo-db.cluster-x.us-east-1.rds.amazonaws.com', port: 5432, database: 'coder' },
    mode: 'pitr',
    keep: false,
    psqlImage: 'postgres:16.6-alpine3.21',
    namespace: 'coder',
    pollIntervalMs: 0,
    stateDir,
    targets: { rtoMinutes: 120, rpoMinutes: 15 },
    ...opts,
  };
  const kubectl = new FakeKubectl(snapshot(), snapshot());
  const host = new RecordingHost();
  const deps = {
    rds: rds.client,
    kubectl,
    databaseCredentials: async () => ({ username: 'coder_admin', password: PASSWORD }),
    now,
  };
  const run: PhaseRunner = (phase, services, overrides) =>
    runPhase(phase as Phase<typeof services>, services, {
      deployment: 'demo',
      stateDir,
      command: 'coder-platform day2 restore-test',
      host,
      ...overrides,
    });
  return { stateDir, rds, kubectl, host, deps, options, run };
}

function calls(rds: FakeRds, command: Parameters<FakeRds['mock']['commandCalls']>[0]) {
  return rds.mock.commandCalls(command).map((c) => c.args[0].input as Record<string, unknown>);
}

describe('day2 restore-test orchestration', () => {
  it('Aurora: restores the cluster, THEN creates a db.serverless writer, validates, deletes instance before cluster, reports', async () => {
    const s = await setup('aurora-serverless-v2');
    const out = await runRestoreTest(s.options, s.deps, s.run);
    expect(out.phase.status).toBe('succeeded');
    const id = 'demo-restore-test-20261120120000';
    expect(s.rds.log).toEqual([
      `restore-cluster ${id}`,
      `create-instance ${id}-writer`,
      `delete-instance ${id}-writer`,
      `delete-cluster ${id}`,
    ]);
    expect(calls(s.rds, RestoreDBClusterToPointInTimeCommand)[0]).toMatchObject({
      DBClusterIdentifier: id,
      SourceDBClusterIdentifier: 'demo-db',
      RestoreToTime: new Date('2026-11-20T11:55:00Z'),
      DBSubnetGroupName: 'demo-db-subnets',
      VpcSecurityGroupIds: ['sg-db'],
      DeletionProtection: false,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
      Tags: expect.arrayContaining(TAGS),
      // the live database's parameter groups (rds.force_ssl …), so the copy behaves like production
      DBClusterParameterGroupName: 'demo-db-cluster-params',
    });
    expect(calls(s.rds, CreateDBInstanceCommand)[0]).toMatchObject({
      DBClusterIdentifier: id,
      DBInstanceClass: 'db.serverless',
      Engine: 'aurora-postgresql',
      DBParameterGroupName: 'demo-db-instance-params',
    });
    // the Job got the restored writer and the live writer; credentials only through the Secret
    const job = JSON.stringify(s.kubectl.applied);
    expect(job).toContain(`${id}.cluster-x.us-east-1.rds.amazonaws.com`);
    expect(job).not.toContain(PASSWORD);
    expect(Object.values(s.kubectl.secrets)[0]).toMatchObject({
      RESTORED_PGPASSWORD: PASSWORD,
      LIVE_PGUSER: 'coder_admin',
    });
    expect(s.kubectl.calls.at(-3)).toMatch(/^delete job /);
    expect(JSON.stringify(s.host.events)).not.toContain(PASSWORD);
    expect(await readFile(path.join(s.stateDir, 'journal.json'), 'utf8')).not.toContain(PASSWORD);
    // report: RPO = restore start 12:01 − restore point 11:55
    expect(out.report).toMatchObject({
      passed: true,
      restoreId: id,
      restorePoint: { mode: 'pitr', time: '2026-11-20T11:55:00.000Z' },
      objectives: { rpo: { achievedMinutes: 6, passed: true }, rto: { passed: true } },
    });
    const md = await readFile(out.files?.markdown as string, 'utf8');
    expect(md).toContain('| RPO (restore start − restore point) | 15 min | 6 min | PASS |');
    expect(JSON.parse(await readFile(out.files?.json as string, 'utf8'))).toMatchObject({
      passed: true,
      checks: expect.arrayContaining([expect.objectContaining({ id: 'migration-version', passed: true })]),
    });
  });

  it('Aurora: a failure after the cluster exists deletes it (cleanup), and --keep leaves it', async () => {
    for (const keep of [false, true]) {
      const s = await setup('aurora-serverless-v2', { keep });
      s.rds.createInstanceFailures.push(
        Object.assign(new Error('no capacity'), { name: 'InsufficientDBInstanceCapacityFault' }),
      );
      const out = await runRestoreTest(s.options, s.deps, s.run);
      expect(out.phase.status).toBe('failed');
      expect(out.phase.failure?.stepId).toBe('restore');
      const id = 'demo-restore-test-20261120120000';
      if (keep) {
        expect(s.rds.clusters.has(id)).toBe(true);
        expect(calls(s.rds, DeleteDBClusterCommand)).toHaveLength(0);
      } else {
        expect(calls(s.rds, DeleteDBClusterCommand)[0]).toMatchObject({
          DBClusterIdentifier: id,
          SkipFinalSnapshot: true,
        });
        expect(s.rds.clusters.has(id)).toBe(false);
      }
    }
  });

  it('after a failure that deleted the copy, the next run starts over with a new copy and a new clock', async () => {
    const s = await setup('aurora-serverless-v2');
    s.rds.createInstanceFailures.push(
      Object.assign(new Error('no capacity'), { name: 'InsufficientDBInstanceCapacityFault' }),
    );
    expect((await runRestoreTest(s.options, s.deps, s.run)).phase.status).toBe('failed');
    const second = await runRestoreTest(s.options, s.deps, s.run);
    expect(second.phase.status).toBe('succeeded');
    const restores = calls(s.rds, RestoreDBClusterToPointInTimeCommand).map((c) => c.DBClusterIdentifier);
    expect(restores).toHaveLength(2);
    expect(restores[1]).not.toBe(restores[0]);
    expect(second.report?.restoreId).toBe(restores[1]);
    expect(Date.parse(second.report?.timings.startedAt as string)).toBeGreaterThan(Date.parse('2026-11-20T12:00:00Z'));
  });

  it('resumes after a crash without a second restore: the tagged copy is found and finished', async () => {
    const s = await setup('aurora-serverless-v2');
    const id = 'demo-restore-test-20261120120000';
    s.rds.hangOn.add(id); // the first process dies while waiting for the cluster
    void runRestoreTest(s.options, s.deps, s.run);
    await expect.poll(() => s.rds.log.length, { timeout: 5000 }).toBe(1);
    // the crashed process left its lock behind: make it a dead process's lock
    const lockFile = path.join(s.stateDir, 'lock.json');
    const lock = JSON.parse(await readFile(lockFile, 'utf8')) as Record<string, unknown>;
    await writeFile(lockFile, JSON.stringify({ ...lock, pid: 2 ** 22 + 12345 }));
    s.rds.hangOn.clear();
    const resumed: PhaseRunner = (phase, services, overrides) =>
      runPhase(phase as Phase<typeof services>, services, {
        deployment: 'demo',
        stateDir: s.stateDir,
        command: 'coder-platform day2 restore-test',
        host: s.host,
        breakLock: true,
        ...overrides,
      });
    const out = await runRestoreTest(s.options, s.deps, resumed);
    expect(out.phase.status).toBe('succeeded');
    expect(calls(s.rds, RestoreDBClusterToPointInTimeCommand)).toHaveLength(1);
    expect(calls(s.rds, CreateDBInstanceCommand)).toHaveLength(1);
    expect(s.rds.log).toEqual([
      `restore-cluster ${id}`,
      `create-instance ${id}-writer`,
      `delete-instance ${id}-writer`,
      `delete-cluster ${id}`,
    ]);
    expect(out.report?.restoreId).toBe(id);
  }, 20_000);
});

describe('day2 restore-test on RDS and housekeeping', () => {
  it('RDS: restores the instance to the point in time (no extra instance) and deletes it without a final snapshot', async () => {
    const s = await setup('rds-postgres');
    const out = await runRestoreTest(s.options, s.deps, s.run);
    const id = 'demo-restore-test-20261120120000';
    expect(s.rds.log).toEqual([`restore-instance ${id}`, `delete-instance ${id}`]);
    expect(calls(s.rds, RestoreDBInstanceToPointInTimeCommand)[0]).toMatchObject({
      SourceDBInstanceIdentifier: 'demo-db',
      TargetDBInstanceIdentifier: id,
      RestoreTime: new Date('2026-11-20T11:55:00Z'),
      DBSubnetGroupName: 'demo-db-subnets',
      VpcSecurityGroupIds: ['sg-db'],
      MultiAZ: false,
      DBParameterGroupName: 'demo-db-params',
    });
    expect(calls(s.rds, CreateDBInstanceCommand)).toHaveLength(0);
    expect(out.report?.passed).toBe(true);
  });

  it('RDS --from snapshot: restores the newest available snapshot; RPO counts from its creation time', async () => {
    const snapshots = [
      {
        DBSnapshotIdentifier: 'rds:demo-db-2026-11-19',
        Status: 'available',
        SnapshotCreateTime: new Date('2026-11-19T03:05:00Z'),
        EngineVersion: '16.6',
      },
      {
        DBSnapshotIdentifier: 'rds:demo-db-2026-11-20',
        Status: 'available',
        SnapshotCreateTime: new Date('2026-11-20T03:05:00Z'),
        EngineVersion: '16.6',
      },
      {
        DBSnapshotIdentifier: 'manual-creating',
        Status: 'creating',
        SnapshotCreateTime: new Date('2026-11-20T11:00:00Z'),
        EngineVersion: '16.6',
      },
    ];
    const s = await setup('rds-postgres', { mode: 'snapshot' }, { snapshots });
    const out = await runRestoreTest(s.options, s.deps, s.run);
    expect(calls(s.rds, RestoreDBInstanceFromDBSnapshotCommand)[0]).toMatchObject({
      DBSnapshotIdentifier: 'rds:demo-db-2026-11-20',
      DBParameterGroupName: 'demo-db-params',
    });
    // 03:05 → restore started 12:01: 536 min, far beyond the 15 min RPO
    expect(out.report?.objectives.rpo).toEqual({ targetMinutes: 15, achievedMinutes: 536, passed: false });
    expect(out.report?.passed).toBe(false);
  });

  it('sweeps copies left by earlier runs, found by tag, and nothing else', async () => {
    const old = 'demo-restore-test-20261101000000';
    const s = await setup(
      'aurora-serverless-v2',
      {},
      {
        clusters: [
          {
            DBClusterIdentifier: old,
            Status: 'available',
            TagList: TAGS,
            DBClusterMembers: [{ DBInstanceIdentifier: `${old}-writer` }],
          },
          { DBClusterIdentifier: 'demo-restore-test-lookalike', Status: 'available', TagList: [] },
          {
            DBClusterIdentifier: 'other-restore-test-20261101000000',
            Status: 'available',
            TagList: [{ Key: 'coder-platform:deployment', Value: 'other' }, TAGS[1] as { Key: string; Value: string }],
          },
        ],
        instances: [
          {
            DBInstanceIdentifier: `${old}-writer`,
            DBInstanceStatus: 'available',
            DBClusterIdentifier: old,
            TagList: TAGS,
          },
        ],
      },
    );
    await runRestoreTest(s.options, s.deps, s.run);
    expect(s.rds.log.slice(0, 2)).toEqual([`delete-instance ${old}-writer`, `delete-cluster ${old}`]);
    expect(s.rds.clusters.has('demo-restore-test-lookalike')).toBe(true);
    expect(s.rds.clusters.has('other-restore-test-20261101000000')).toBe(true);
  });

  it('a failed check fails the report while the copy is still deleted', async () => {
    const s = await setup('aurora-serverless-v2');
    s.deps.kubectl = new FakeKubectl(snapshot({ migration: { version: 564, dirty: true } }), snapshot());
    const out = await runRestoreTest(s.options, s.deps, s.run);
    expect(out.report?.passed).toBe(false);
    expect(out.report?.checks.find((c) => c.id === 'migration-clean')?.passed).toBe(false);
    expect(out.report?.timings.deletedAt).not.toBeNull();
    expect(renderReportMarkdown(out.report as NonNullable<typeof out.report>)).toContain(
      '| schema_migrations present and not dirty | FAIL |',
    );
  });
});

describe('day2 restore-test identifiers', () => {
  it('a 32-character deployment name gets a writer id within the 63-character RDS limit, tagged and swept like any other', async () => {
    const name = 'platform-engineering-prod-east-1';
    expect(name).toHaveLength(32);
    expect(auroraInstanceIdentifier(restoreIdentifier('demo', new Date('2026-11-20T12:00:00Z')))).toBe(
      'demo-restore-test-20261120120000-writer',
    );
    const s = await setup('aurora-serverless-v2', { keep: true });
    s.options.source = { ...s.options.source, deployment: name };
    s.kubectl.waitForJob = async () => 'failed'; // the copy is kept (--keep) for the next run's sweep
    expect((await runRestoreTest(s.options, s.deps, s.run)).phase.failure?.stepId).toBe('validate');
    const id = `${name}-restore-test-20261120120000`;
    const writer = calls(s.rds, CreateDBInstanceCommand)[0];
    expect(writer).toMatchObject({
      DBInstanceIdentifier: `${id}-w`,
      DBClusterIdentifier: id,
      Tags: expect.arrayContaining([
        { Key: 'coder-platform:deployment', Value: name },
        { Key: 'coder-platform:purpose', Value: 'restore-test' },
        { Key: 'coder-platform:restore-test-id', Value: id },
      ]),
    });
    expect((writer?.DBInstanceIdentifier as string).length).toBeLessThanOrEqual(63);
    // the next run's sweep finds the kept copy by its tags and deletes the writer, then the cluster
    s.kubectl.waitForJob = async () => 'complete';
    const next = await runRestoreTest({ ...s.options, keep: false }, s.deps, s.run);
    expect(s.rds.log.slice(2, 4)).toEqual([`delete-instance ${id}-w`, `delete-cluster ${id}`]);
    expect(next.phase.status).toBe('succeeded');
  });
});

describe('day2 restore-test report after a failure', () => {
  it('a failed validation Job still writes the Markdown + JSON report (failure, timings so far, Coder version) and uploads it', async () => {
    const s = await setup('aurora-serverless-v2', { upload: 's3://ops-reports/restore-tests/' });
    s.kubectl.waitForJob = async () => 'failed';
    const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const s3Mock = mockClient(s3);
    s3Mock.on(PutObjectCommand).resolves({});
    const deps = { ...s.deps, s3: async () => s3, coderVersion: async () => 'v2.35.3+1a2b3c' };
    const out = await runRestoreTest(s.options, deps, s.run);
    expect(out.phase.status).toBe('failed');
    expect(out.phase.failure?.stepId).toBe('validate');
    const id = 'demo-restore-test-20261120120000';
    expect(s.rds.clusters.has(id)).toBe(false); // cleanup still deleted the copy
    const json = JSON.parse(
      await readFile(path.join(s.stateDir, 'reports', `${id}.json`), 'utf8'),
    ) as RestoreTestReport;
    expect(json).toMatchObject({
      passed: false,
      restoreId: id,
      failure: { stepId: 'validate', error: expect.stringMatching(/./) },
      versions: { coder: 'v2.35.3+1a2b3c', engine: '16.6' },
      restorePoint: { mode: 'pitr', time: '2026-11-20T11:55:00.000Z' },
      objectives: { rto: { achievedMinutes: null, passed: false }, rpo: { achievedMinutes: 6, passed: true } },
      checks: [],
    });
    expect(json.timings).toMatchObject({
      startedAt: '2026-11-20T12:00:00.000Z',
      restoreStartedAt: '2026-11-20T12:01:00.000Z',
      availableAt: expect.any(String),
      validatedAt: null,
    });
    expect(json.steps.map((st) => `${st.id}:${st.status}`)).toEqual([
      'sweep-leftovers:done',
      'restore-point:done',
      'restore:pending',
      'validate:failed',
      'delete-copy:pending',
    ]);
    const md = await readFile(path.join(s.stateDir, 'reports', `${id}.md`), 'utf8');
    expect(md).toContain('— FAILED');
    expect(md).toContain('The run stopped at step `validate`');
    expect(md).toContain('| Coder version | v2.35.3+1a2b3c |');
    expect(s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      `restore-tests/${id}.json`,
      `restore-tests/${id}.md`,
    ]);
    expect(out.uploaded).toHaveLength(2);
    expect(md).not.toContain(PASSWORD);
  });

  it('when the runner throws (executePhase), the report is written and the same error is thrown with the report path', async () => {
    const s = await setup('aurora-serverless-v2');
    s.rds.createInstanceFailures.push(
      Object.assign(new Error('no capacity'), { name: 'InsufficientDBInstanceCapacityFault' }),
    );
    const failure = new CheckFailedError('day2-restore-test failed at step "restore"');
    const throwing: PhaseRunner = async (phase, services, overrides) => {
      const result = await s.run(phase, services, overrides);
      if (result.status === 'failed') throw failure;
      return result;
    };
    const deps = {
      ...s.deps,
      coderVersion: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    };
    await expect(runRestoreTest(s.options, deps, throwing)).rejects.toBe(failure);
    const id = 'demo-restore-test-20261120120000';
    expect(failure.exitCode).toBe(new CheckFailedError('x').exitCode);
    expect(failure.nextSteps).toEqual([`Read the report: ${path.join(s.stateDir, 'reports', `${id}.md`)}`]);
    const json = JSON.parse(
      await readFile(path.join(s.stateDir, 'reports', `${id}.json`), 'utf8'),
    ) as RestoreTestReport;
    expect(json).toMatchObject({
      passed: false,
      failure: { stepId: 'restore', error: expect.stringMatching(/no capacity/) },
      versions: { coder: null },
      timings: { restoreStartedAt: null, availableAt: null },
    });
  });
});

describe('RTO and RPO', () => {
  it('measures RTO from the start to validation and RPO from the restore point to the restore start', () => {
    const o = computeObjectives(
      {
        startedAt: '2026-11-20T12:00:00Z',
        restoreStartedAt: '2026-11-20T12:02:00Z',
        restorePoint: '2026-11-20T11:40:00Z',
        validatedAt: '2026-11-20T14:05:30Z',
      },
      { rtoMinutes: 120, rpoMinutes: 15 },
    );
    expect(o).toEqual({
      rto: { targetMinutes: 120, achievedMinutes: 125.5, passed: false },
      rpo: { targetMinutes: 15, achievedMinutes: 22, passed: false },
    });
  });
});
