/**
 * `day2 restore-test` as a service: runs the restore-test phase, then turns its outputs into the report
 * (RTO, RPO, every check, versions, every step's timings) written to the state directory and optionally
 * uploaded to S3 — after a failed run too. It never prints and never reads flags; the command decides the
 * exit code from `report.passed` (a failed run keeps its own error and exit code).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Phase, PhaseResult, StepOutputs } from '../../../engine/types.js';
import { readJournal, type PhaseRecord } from '../../../engine/journal.js';
import { CoderPlatformError } from '../../../errors.js';
import { restoreIdentifier } from './restore-db.js';
import {
  checksOf,
  restoreTestPhase,
  RESTORE_TEST_PHASE,
  type RestoreTestPhaseOptions,
  type RestoreTestServices,
} from './phase.js';
import { previousRun, type PhaseRunner } from '../phase-runner.js';
import {
  buildReport,
  renderReportMarkdown,
  uploadReport,
  writeReport,
  type RestoreTestReport,
} from './restore-report.js';

export { parseS3Uri } from './restore-report.js';
export type { RestoreTestReport } from './restore-report.js';

export interface RestoreTestOptions extends RestoreTestPhaseOptions {
  stateDir: string;
  targets: { rtoMinutes: number; rpoMinutes: number };
  /** `s3://bucket/prefix`: also upload the report there. */
  upload?: string | undefined;
}

export interface RestoreTestDeps extends RestoreTestServices {
  /** Built only when --upload is given. */
  s3?: () => Promise<S3Client>;
  /** The live Coder's version (buildinfo), for the report. */
  coderVersion?: () => Promise<string>;
}

/** What `day2 restore-test` returns: the phase result and, when the restore ran to the end, the report and where it was written. */
export interface RestoreTestResult {
  phase: PhaseResult;
  report: RestoreTestReport | null;
  files: { json: string; markdown: string } | null;
  uploaded: string[];
}

export interface RestoreTestOutcome {
  phase: PhaseResult;
  report?: RestoreTestReport;
  files?: { json: string; markdown: string };
  uploaded: string[];
}

/**
 * The phase with every step's outputs also kept in `seen` as they are produced: the engine drops the outputs
 * of a step whose cleanup undid it (the deleted copy), but they are still what happened, for the report.
 */
function observed(phase: Phase<RestoreTestServices>, seen: Record<string, StepOutputs>): Phase<RestoreTestServices> {
  const keep = (id: string, o: StepOutputs | void | undefined): void => {
    if (o) seen[id] = o;
  };
  return {
    ...phase,
    steps: phase.steps.map((st) => {
      const { isDone } = st;
      return {
        ...st,
        run: async (ctx) => {
          const o = await st.run(ctx);
          keep(st.id, o);
          return o;
        },
        ...(isDone === undefined
          ? {}
          : {
              isDone: async (ctx: Parameters<typeof isDone>[0]) => {
                const o = await isDone(ctx);
                keep(st.id, o);
                return o;
              },
            }),
      };
    }),
  };
}

/** The report of the run the journal records: complete after a success, as far as it got after a failure. */
function reportFromJournal(
  options: RestoreTestOptions,
  record: PhaseRecord,
  seen: Record<string, StepOutputs>,
  phase: Phase<RestoreTestServices>,
  coderVersion: string | null,
  now: Date,
): RestoreTestReport {
  const out = (id: string): StepOutputs => seen[id] ?? record.steps[id]?.outputs ?? {};
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  const point = out('restore-point');
  const restored = out('restore');
  const validated = out('validate');
  const steps = phase.steps.map((st) => {
    const r = record.steps[st.id];
    return {
      id: st.id,
      title: st.title,
      status: r?.status ?? 'pending',
      startedAt: r?.startedAt ?? null,
      endedAt: r?.endedAt ?? null,
      durationMs: r?.durationMs ?? null,
      error: r?.error ?? null,
    };
  });
  const failed =
    steps.find((st) => st.status === 'failed') ??
    (record.status === 'succeeded'
      ? undefined
      : steps.find((st) => st.status === 'interrupted' || st.status === 'running'));
  const failure =
    record.status === 'succeeded'
      ? null
      : {
          stepId: failed?.id ?? '',
          title: failed?.title ?? '',
          error: failed?.error ?? `the run was ${record.status}`,
        };
  return buildReport({
    deployment: options.source.deployment,
    engine: options.source.engine,
    restoreId: str(point.restoreId) ?? restoreIdentifier(options.source.deployment, now),
    restorePoint: {
      mode: str(point.mode),
      time: str(point.restorePoint),
      snapshotIdentifier: str(point.snapshotIdentifier),
    },
    engineVersion: str(point.engineVersion),
    coderVersion,
    timings: {
      startedAt: str(point.startedAt) ?? record.startedAt ?? now.toISOString(),
      restoreStartedAt: str(restored.restoreStartedAt),
      availableAt: str(restored.availableAt),
      validatedAt: str(validated.validatedAt),
      deletedAt: str(out('delete-copy').deletedAt),
    },
    targets: options.targets,
    checks: checksOf(validated),
    migration: { restored: num(validated.migrationRestored), live: num(validated.migrationLive) },
    serverVersion: { restored: str(validated.serverRestored), live: str(validated.serverLive) },
    newestAuditLogAt: str(validated.newestAuditLogAt),
    kept: options.keep,
    failure,
    steps,
  });
}

/**
 * Run the restore test and write its report — also when the run fails or is interrupted (with the failure,
 * every timing and check so far), then hand the failure on: a failed result is returned as it came, a
 * thrown one (executePhase) is re-thrown with the report's path added to its next steps.
 */
export async function runRestoreTest(
  options: RestoreTestOptions,
  deps: RestoreTestDeps,
  run: PhaseRunner,
): Promise<RestoreTestOutcome> {
  const previous = await previousRun(options.stateDir, RESTORE_TEST_PHASE);
  // A finished test is history. A failed or interrupted one already deleted its copy in cleanup (unless
  // --keep), so it starts over with a fresh clock; a crashed one (still `running`) resumes without a
  // second restore, as does a failed one whose copy was kept.
  const restart =
    previous !== undefined &&
    (previous.status === 'succeeded' || (['failed', 'interrupted'].includes(previous.status) && !options.keep));
  // the version that wrote the data being restored (best effort: a down Coder is no reason to skip the test)
  const coderVersion = deps.coderVersion === undefined ? null : await deps.coderVersion().catch(() => null);
  const phaseDef = restoreTestPhase(options);
  const seen: Record<string, StepOutputs> = {};
  const before = await readJournal(options.stateDir);
  let phase: PhaseResult | undefined;
  let thrown: unknown;
  try {
    phase = await run(observed(phaseDef, seen), deps as RestoreTestServices, { restart });
  } catch (error) {
    thrown = error;
  }
  if (phase?.status === 'planned') return { phase, uploaded: [] };
  const record = (await readJournal(options.stateDir))?.phases[RESTORE_TEST_PHASE];
  // a refusal before the phase ran (lock held, bad --only) leaves the journal as it was: no report
  const ran = record !== undefined && JSON.stringify(record) !== JSON.stringify(before?.phases[RESTORE_TEST_PHASE]);
  if (!ran) {
    if (thrown !== undefined) throw thrown;
    return { phase: phase as PhaseResult, uploaded: [] };
  }
  const report = reportFromJournal(options, record, seen, phaseDef, coderVersion, deps.now());
  const files = await writeReport(options.stateDir, report);
  const uploaded =
    options.upload !== undefined && deps.s3 !== undefined
      ? await uploadReport(await deps.s3(), options.upload, files, {
          json: `${JSON.stringify(report, null, 2)}\n`,
          markdown: renderReportMarkdown(report),
        })
      : [];
  if (thrown !== undefined) {
    if (CoderPlatformError.is(thrown))
      thrown.nextSteps.push(`Read the report: ${files.markdown}`, ...uploaded.map((u) => `Uploaded: ${u}`));
    throw thrown;
  }
  return { phase: phase as PhaseResult, report, files, uploaded };
}
