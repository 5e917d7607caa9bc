/**
 * Phase `day2-restore-test`: sweep copies left by earlier runs → pick the restore point → restore into a
 * temporary tagged database (Aurora: cluster, then a db.serverless writer) → validate from a Job inside
 * the VPC against the copy and the live writer → delete the copy → write the report.
 * Cleanup on failure or interrupt: the Job, then the instances, then the cluster (unless --keep).
 */
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Phase, Step, StepOutputs } from '../../../engine/types.js';
import {
  deleteRestore,
  ensureRestored,
  findLeftovers,
  findRestore,
  resolveRestorePoint,
  restoreIdentifier,
  type RestoreMode,
  type RestorePoint,
  type RestoreSource,
} from './restore-db.js';
import { compareValidation, validationSql, type ValidationCheck } from './validation-sql.js';
import { deleteValidationJob, runValidationJob, type JobKubectl } from './validation-job.js';

export const RESTORE_TEST_PHASE = 'day2-restore-test';

export interface RestoreTestServices {
  rds: RDSClient;
  kubectl: JobKubectl;
  /** Master credentials of the live database (a copy keeps them), resolved at the moment of use. */
  databaseCredentials(): Promise<{ username: string; password: string }>;
  now(): Date;
}

export interface RestoreTestPhaseOptions {
  source: RestoreSource;
  live: { host: string; port: number; database: string };
  mode: RestoreMode;
  /** With mode `time`. */
  time?: string | undefined;
  keep: boolean;
  psqlImage: string;
  namespace: string;
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string; value: string; effect: string; operator: 'Equal' }[];
  /** Polling interval of AWS waits. @default 30000 */
  pollIntervalMs?: number;
  /** Validation Job timeout. @default 900 */
  jobTimeoutSeconds?: number;
  /** Rows in the copy may be this much newer than the restore point. @default 300 */
  toleranceSeconds?: number;
}

function restoreOf(
  outputs: StepOutputs | undefined,
): { clusterIdentifier: string | null; instanceIdentifiers: string[] } | undefined {
  if (outputs === undefined || typeof outputs.instanceIdentifier !== 'string') return undefined;
  return {
    clusterIdentifier: typeof outputs.clusterIdentifier === 'string' ? outputs.clusterIdentifier : null,
    instanceIdentifiers: [outputs.instanceIdentifier],
  };
}

function pointOf(o: StepOutputs): RestorePoint & { restoreId: string } {
  return {
    mode: o.mode as RestoreMode,
    restorePoint: o.restorePoint as string,
    snapshotIdentifier: (o.snapshotIdentifier as string | null) ?? null,
    engineVersion: o.engineVersion as string,
    masterUsername: o.masterUsername as string,
    clusterParameterGroup: typeof o.clusterParameterGroup === 'string' ? o.clusterParameterGroup : null,
    instanceParameterGroup: typeof o.instanceParameterGroup === 'string' ? o.instanceParameterGroup : null,
    restoreId: o.restoreId as string,
  };
}

/** Options of an AWS wait: the run's abort signal and the configured polling interval. */
function wait(o: RestoreTestPhaseOptions, signal: AbortSignal) {
  return { signal, ...(o.pollIntervalMs === undefined ? {} : { intervalMs: o.pollIntervalMs }) };
}

/** Delete the copies earlier restore tests left behind. */
function sweepStep(o: RestoreTestPhaseOptions): Step<RestoreTestServices> {
  return {
    id: 'sweep-leftovers',
    title: 'Delete restore-test copies left by earlier runs',
    expectedSeconds: 30,
    async run({ services, host, signal }) {
      const leftovers = await findLeftovers(services.rds, o.source.deployment);
      for (const l of leftovers) {
        host.emit({
          level: 'warn',
          code: 'RESTORE_TEST_LEFTOVER',
          message: `Deleting ${l.clusterIdentifier ?? l.instanceIdentifiers.join(', ')}, left by an earlier restore test.`,
        });
        await deleteRestore(services.rds, l, wait(o, signal));
      }
      return { deleted: leftovers.map((l) => l.clusterIdentifier ?? l.instanceIdentifiers[0] ?? '') };
    },
  };
}

/** Start the clock, resolve the restore point and name the copy. */
function restorePointStep(o: RestoreTestPhaseOptions): Step<RestoreTestServices> {
  return {
    id: 'restore-point',
    title: 'Start the clock and choose the restore point',
    dependsOn: ['sweep-leftovers'],
    expectedSeconds: 5,
    async run({ services, host }) {
      const startedAt = services.now();
      const point = await resolveRestorePoint(services.rds, o.source, o.mode, o.time);
      const restoreId = restoreIdentifier(o.source.deployment, startedAt);
      host.emit({
        level: 'info',
        code: 'RESTORE_TEST_POINT',
        message: `Restoring to ${point.restorePoint} (${point.mode}${point.snapshotIdentifier ? `, snapshot ${point.snapshotIdentifier}` : ''}) as ${restoreId}.`,
      });
      return { startedAt: startedAt.toISOString(), restoreId, ...point };
    },
  };
}

/** Restore the copy and wait for it; its cleanup deletes the copy unless --keep. */
function restoreStep(o: RestoreTestPhaseOptions): Step<RestoreTestServices> {
  return {
    id: 'restore',
    title: 'Restore into a temporary database and wait until it is available',
    dependsOn: ['restore-point'],
    expectedSeconds: 1500,
    async isDone({ services, outputs }) {
      const point = outputs['restore-point'];
      if (point === undefined) return undefined;
      const found = await findRestore(services.rds, o.source, point.restoreId as string);
      if (
        found === undefined ||
        found.instanceStatus !== 'available' ||
        found.writerEndpoint === null ||
        (found.clusterIdentifier !== null && found.clusterStatus !== 'available')
      )
        return undefined;
      return { ...found, availableAt: services.now().toISOString() };
    },
    async run({ services, outputs, signal }) {
      const point = pointOf(outputs['restore-point'] as StepOutputs);
      const restored = await ensureRestored(services.rds, o.source, point, point.restoreId, wait(o, signal));
      return { ...restored, availableAt: services.now().toISOString() };
    },
    async cleanup({ services, outputs, host, signal }) {
      if (o.keep) {
        host.emit({
          level: 'warn',
          code: 'RESTORE_TEST_KEPT',
          message: 'The temporary database is kept (--keep); the next restore test deletes it.',
        });
        return;
      }
      const point = outputs['restore-point'];
      const restoreId = (point?.restoreId as string | undefined) ?? undefined;
      if (restoreId === undefined) return;
      const found =
        restoreOf(outputs.restore) ??
        (await findRestore(services.rds, o.source, restoreId).then((r) =>
          r ? { clusterIdentifier: r.clusterIdentifier, instanceIdentifiers: [r.instanceIdentifier] } : undefined,
        ));
      if (found !== undefined) await deleteRestore(services.rds, found, wait(o, signal));
    },
  };
}

/** Run the validation Job against the copy and the live writer, and compare. */
function validateStep(o: RestoreTestPhaseOptions): Step<RestoreTestServices> {
  return {
    id: 'validate',
    title: 'Validate the copy against the live database from inside the VPC',
    dependsOn: ['restore'],
    expectedSeconds: 120,
    async run({ services, outputs, host }) {
      const point = pointOf(outputs['restore-point'] as StepOutputs);
      const restored = outputs.restore as StepOutputs;
      const credentials = await services.databaseCredentials();
      const result = await runValidationJob(services.kubectl, {
        jobName: `restore-test-${point.restoreId.slice(-14)}`,
        namespace: o.namespace,
        image: o.psqlImage,
        sql: validationSql(point.restorePoint),
        restored: {
          host: restored.writerEndpoint as string,
          port: (restored.port as number | null) ?? o.live.port,
          database: o.live.database,
          ...credentials,
        },
        live: { ...o.live, ...credentials },
        ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
        ...(o.tolerations ? { tolerations: o.tolerations } : {}),
        ...(o.jobTimeoutSeconds === undefined ? {} : { timeoutSeconds: o.jobTimeoutSeconds }),
      });
      const checks = compareValidation(result.restored, result.live, {
        restorePoint: point.restorePoint,
        ...(o.toleranceSeconds === undefined ? {} : { toleranceSeconds: o.toleranceSeconds }),
      });
      for (const c of checks.filter((c) => !c.passed))
        host.emit({ level: 'error', code: 'RESTORE_TEST_CHECK_FAILED', message: `${c.title}: ${c.detail}` });
      return {
        validatedAt: services.now().toISOString(),
        checks: JSON.stringify(checks),
        migrationRestored: result.restored.migration?.version ?? null,
        migrationLive: result.live.migration?.version ?? null,
        serverRestored: result.restored.serverVersion,
        serverLive: result.live.serverVersion,
        newestAuditLogAt: result.restored.newestAuditLogAt,
      };
    },
    async cleanup({ services, outputs }) {
      const restoreId = outputs['restore-point']?.restoreId;
      if (typeof restoreId === 'string')
        await deleteValidationJob(services.kubectl, `restore-test-${restoreId.slice(-14)}`, o.namespace);
    },
  };
}

/** Delete the copy after a successful validation (skipped with --keep). */
function deleteCopyStep(o: RestoreTestPhaseOptions): Step<RestoreTestServices> {
  return {
    id: 'delete-copy',
    title: 'Delete the temporary database',
    dependsOn: ['validate'],
    expectedSeconds: 600,
    enabled: !o.keep,
    async run({ services, outputs, signal }) {
      const point = pointOf(outputs['restore-point'] as StepOutputs);
      const found = restoreOf(outputs.restore) ?? { clusterIdentifier: null, instanceIdentifiers: [] };
      await deleteRestore(services.rds, found, wait(o, signal));
      return { deletedAt: services.now().toISOString(), restoreId: point.restoreId };
    },
  };
}

export function restoreTestPhase(o: RestoreTestPhaseOptions): Phase<RestoreTestServices> {
  return {
    name: RESTORE_TEST_PHASE,
    version: 1,
    steps: [sweepStep(o), restorePointStep(o), restoreStep(o), validateStep(o), deleteCopyStep(o)],
  };
}

/** The checks recorded by the validate step. */
export function checksOf(outputs: StepOutputs | undefined): ValidationCheck[] {
  return typeof outputs?.checks === 'string' ? (JSON.parse(outputs.checks) as ValidationCheck[]) : [];
}
