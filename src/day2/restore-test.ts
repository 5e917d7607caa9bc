/**
 * `day2 restore-test` as a service: runs the restore-test phase, then turns its outputs into the report
 * (RTO, RPO, every check, versions) written to the state directory and optionally uploaded to S3.
 * It never prints and never reads flags; the command decides the exit code from `report.passed`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { PhaseResult, StepOutputs } from '../engine/types.js';
import { checksOf, restoreTestPhase, RESTORE_TEST_PHASE, type RestoreTestPhaseOptions, type RestoreTestServices } from '../phases/day2/restore-test.js';
import { previousRun, type PhaseRunner } from './phase-runner.js';
import { buildReport, renderReportMarkdown, uploadReport, writeReport, type RestoreTestReport } from './restore-report.js';

export interface RestoreTestOptions extends RestoreTestPhaseOptions {
  stateDir: string;
  targets: { rtoMinutes: number; rpoMinutes: number };
  /** `s3://bucket/prefix`: also upload the report there. */
  upload?: string | undefined;
}

export interface RestoreTestDeps extends RestoreTestServices {
  /** Built only when --upload is given. */
  s3?: () => Promise<S3Client>;
}

export interface RestoreTestOutcome {
  phase: PhaseResult;
  report?: RestoreTestReport;
  files?: { json: string; markdown: string };
  uploaded: string[];
}

export async function runRestoreTest(options: RestoreTestOptions, deps: RestoreTestDeps, run: PhaseRunner): Promise<RestoreTestOutcome> {
  const previous = await previousRun(options.stateDir, RESTORE_TEST_PHASE);
  // A finished test is history. A failed or interrupted one already deleted its copy in cleanup (unless
  // --keep), so it starts over with a fresh clock; a crashed one (still `running`) resumes without a
  // second restore, as does a failed one whose copy was kept.
  const restart = previous !== undefined && (previous.status === 'succeeded' || (['failed', 'interrupted'].includes(previous.status) && !options.keep));
  const phase = await run(restoreTestPhase(options), deps as RestoreTestServices, { restart });
  if (phase.status !== 'succeeded') return { phase, uploaded: [] };
  const o = phase.outputs;
  const point = o['restore-point'] as StepOutputs;
  const restored = o.restore as StepOutputs;
  const validated = o.validate as StepOutputs;
  const report = buildReport({
    deployment: options.source.deployment,
    engine: options.source.engine,
    restoreId: point.restoreId as string,
    restorePoint: { mode: point.mode as string, time: point.restorePoint as string, snapshotIdentifier: (point.snapshotIdentifier as string | null) ?? null },
    engineVersion: point.engineVersion as string,
    timings: {
      startedAt: point.startedAt as string,
      restoreStartedAt: restored.restoreStartedAt as string,
      availableAt: restored.availableAt as string,
      validatedAt: validated.validatedAt as string,
      deletedAt: (o['delete-copy']?.deletedAt as string | undefined) ?? null,
    },
    targets: options.targets,
    checks: checksOf(validated),
    migration: { restored: validated.migrationRestored as number | null, live: validated.migrationLive as number | null },
    serverVersion: { restored: validated.serverRestored as string, live: validated.serverLive as string },
    newestAuditLogAt: (validated.newestAuditLogAt as string | null) ?? null,
    kept: options.keep,
  });
  const files = await writeReport(options.stateDir, report);
  const uploaded = options.upload !== undefined && deps.s3 !== undefined
    ? await uploadReport(await deps.s3(), options.upload, files, { json: `${JSON.stringify(report, null, 2)}\n`, markdown: renderReportMarkdown(report) })
    : [];
  return { phase, report, files, uploaded };
}
