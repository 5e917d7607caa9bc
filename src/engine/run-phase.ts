/**
 * The engine: runs a phase's steps in dependency order, independent steps concurrently (up to a limit),
 * recording every transition in the journal, under the deployment lock.
 *
 * Resume rules
 * - A step recorded `done` is skipped (with --verify its isDone probe runs again and a step whose effect is
 *   gone runs again). A step with no record, or recorded pending/running/interrupted/failed, is first
 *   probed with isDone (so a lost journal, or a crash after the effect but before the journal write, does
 *   not redo work) and run when the probe says so.
 * - --restart forgets the phase's records (probes still apply); --from STEP runs STEP and every later step
 *   (declared order) without probing, treating earlier steps as done; --only STEP runs just STEP without
 *   probing (its dependencies must be done).
 * - A step error fails the step: no new step starts, running steps finish, then every started step's
 *   cleanup runs (newest first) and the phase is `failed` with the exact resume command. An aborted
 *   `signal` does the same with `interrupted`. A cleaned-up `done` step is set back to `pending`, since
 *   its effect was undone.
 */
import { UserError, BugError } from '../errors.js';
import { ENGINE_EVENTS, type EventHost } from './host.js';
import { Journal, checkOutputs, readJournal, type JournalData, type PhaseRecord, type PhaseStatus } from './journal.js';
import { acquireLock } from './lock.js';
import {
  checkSelection,
  dispositions,
  emit,
  oneLine,
  stepHost,
  stepInfos,
  stepRecordsInOrder,
  toStepResult,
  willRun,
  type Disposition,
  type Probed,
} from './step-plan.js';
import { StepRunner } from './step-runner.js';
import { startRemoteSession } from './remote-session.js';
import { pullState } from './remote-state.js';
import type { Phase, PhaseResult, RunPhaseOptions, Step, StepOutputs } from './types.js';

export { oneLine };

export const DEFAULT_CONCURRENCY = 4;

/** Check a phase definition: unique ids, known dependencies, no cycles. */
export function validatePhase<S>(phase: Phase<S>): void {
  const ids = new Set<string>();
  for (const step of phase.steps) {
    if (ids.has(step.id)) throw new BugError(`Phase "${phase.name}" declares step "${step.id}" twice.`);
    ids.add(step.id);
  }
  for (const step of phase.steps) {
    for (const dep of step.dependsOn ?? []) {
      if (!ids.has(dep))
        throw new BugError(`Step "${step.id}" of phase "${phase.name}" depends on unknown step "${dep}".`);
    }
  }
  const state = new Map<string, 'visiting' | 'visited'>();
  const byId = new Map(phase.steps.map((s) => [s.id, s]));
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'visited') return;
    if (state.get(id) === 'visiting')
      throw new BugError(`Phase "${phase.name}" has a dependency cycle: ${[...path, id].join(' -> ')}.`);
    state.set(id, 'visiting');
    for (const dep of byId.get(id)?.dependsOn ?? []) visit(dep, [...path, id]);
    state.set(id, 'visited');
  };
  for (const step of phase.steps) visit(step.id, []);
}

/** Run (or, with dryRun, plan) a phase. Throws UserError for lock/journal/selection problems before any step runs. */
export async function runPhase<S>(phase: Phase<S>, services: S, options: RunPhaseOptions): Promise<PhaseResult> {
  validatePhase(phase);
  checkSelection(phase, options);
  const resumeCommand = options.resumeCommand ?? options.command;
  if (options.dryRun === true) return planPhase(phase, services, options);

  // s3 backend: the shared lock first (it is the one that counts), then the local copy's own lock.
  const remote =
    options.remote === undefined
      ? undefined
      : await startRemoteSession({
          store: options.remote,
          stateDir: options.stateDir,
          deployment: options.deployment,
          command: options.command,
          phase: phase.name,
          breakLock: options.breakLock === true,
          host: options.host,
        });
  try {
    const lock = await acquireLock({
      stateDir: options.stateDir,
      deployment: options.deployment,
      command: options.command,
      breakLock: options.breakLock === true,
      host: options.host,
    });
    try {
      const journal = await Journal.open(options.stateDir, options.deployment, remote?.mirror);
      return await execute(phase, services, options, journal, resumeCommand);
    } finally {
      await lock.release();
    }
  } finally {
    await remote?.finish();
  }
}

/**
 * A dry run's probes: in declared order, each step the run would probe whose dependencies are all known
 * done (in the journal, outside the selection, or found done by an earlier probe) gets its isDone called
 * with those outputs. Nothing else runs; a probe that throws is reported, not fatal.
 */
async function probeForPlan<S>(
  phase: Phase<S>,
  services: S,
  record: PhaseRecord | undefined,
  disp: Map<string, Disposition>,
  options: RunPhaseOptions,
): Promise<Map<string, Probed>> {
  const found = new Map<string, Probed>();
  const outputs: Record<string, StepOutputs> = {
    ...collectOutputs(phase, options.restart === true ? undefined : record),
  };
  const known = (id: string): boolean => !willRun(disp.get(id) as Disposition) || found.get(id)?.kind === 'done';
  const signal = options.signal ?? new AbortController().signal;
  for (const step of phase.steps) {
    const d = disp.get(step.id) as Disposition;
    if ((d.kind !== 'probe' && d.kind !== 'verify') || step.isDone === undefined) continue;
    if (!(step.dependsOn ?? []).every(known)) continue;
    try {
      const result = await step.isDone({
        host: stepHost(options.host, step.id),
        outputs: Object.freeze({ ...outputs }),
        services,
        signal,
        attempt: 1,
      });
      if (result === undefined) found.set(step.id, { kind: 'not-done' });
      else {
        const checked = checkOutputs(step.id, result);
        outputs[step.id] = checked;
        found.set(step.id, { kind: 'done', outputs: checked });
      }
    } catch (error) {
      found.set(step.id, { kind: 'error', error: oneLine(error) });
    }
  }
  return found;
}

async function planPhase<S>(phase: Phase<S>, services: S, options: RunPhaseOptions): Promise<PhaseResult> {
  if (options.remote !== undefined) await pullState(options.remote, options.stateDir);
  const data: JournalData | undefined = await readJournal(options.stateDir);
  const record = data?.phases[phase.name];
  checkVersion(phase, record, options);
  const disp = dispositions(phase, record, options);
  const probed =
    options.probe === true ? await probeForPlan(phase, services, record, disp, options) : new Map<string, Probed>();
  const infos = stepInfos(phase, disp, probed);
  emit(options.host, {
    level: 'info',
    code: ENGINE_EVENTS.plan,
    message: `Plan for ${phase.name} (${options.deployment}): ${infos.filter((i) => i.plan !== 'skip').length} of ${infos.length} steps would run.`,
    data: {
      phase: phase.name,
      deployment: options.deployment,
      steps: infos,
      ...(options.probe === true ? { probed: true } : {}),
    },
  });
  const steps = phase.steps.map((step, i) => {
    const r = toStepResult(step, options.restart === true ? undefined : record?.steps[step.id], infos[i]?.plan);
    const p = probed.get(step.id);
    if (p !== undefined)
      r.probed =
        p.kind === 'error'
          ? { found: 'error', error: p.error }
          : p.kind === 'done'
            ? { found: 'done', outputs: p.outputs }
            : { found: 'not-done' };
    return r;
  });
  const outputs = collectOutputs(phase, options.restart === true ? undefined : record);
  for (const [id, p] of probed) if (p.kind === 'done') outputs[id] = p.outputs;
  return { phase: phase.name, deployment: options.deployment, status: 'planned', steps, outputs };
}

function checkVersion<S>(phase: Phase<S>, record: PhaseRecord | undefined, options: RunPhaseOptions): void {
  if (record === undefined || options.restart === true || record.version === phase.version) return;
  throw new UserError(
    `The journal records ${phase.name} version ${record.version}, but this coder-platform runs version ${phase.version}: its steps changed.`,
    {
      nextSteps: [`Re-run with --restart: every step re-probes the real system, so work already done is not repeated.`],
    },
  );
}

function collectOutputs<S>(phase: Phase<S>, record: PhaseRecord | undefined): Record<string, StepOutputs> {
  const outputs: Record<string, StepOutputs> = {};
  for (const step of phase.steps) {
    const rec = record?.steps[step.id];
    if (rec?.status === 'done' && rec.outputs !== undefined) outputs[step.id] = rec.outputs;
  }
  return outputs;
}

async function execute<S>(
  phase: Phase<S>,
  services: S,
  options: RunPhaseOptions,
  journal: Journal,
  resumeCommand: string,
): Promise<PhaseResult> {
  const host = options.host;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const previous = journal.phase(phase.name);
  checkVersion(phase, previous, options);
  const disp = dispositions(phase, previous, options);

  // --only: the step's dependencies must already be done (their outputs come from the journal).
  if (options.only !== undefined) {
    const step = phase.steps.find((s) => s.id === options.only) as Step<S>;
    const missing = (step.dependsOn ?? []).filter(
      (dep) => previous?.steps[dep]?.status !== 'done' && phase.steps.find((s) => s.id === dep)?.enabled !== false,
    );
    if (missing.length > 0) {
      throw new UserError(`--only ${step.id} needs ${missing.join(', ')} done first.`, {
        nextSteps: [`Run the phase without --only, or with --from ${missing[0]}.`],
      });
    }
  }

  const now = (): string => new Date().toISOString();
  const record: PhaseRecord = journal.setPhase(phase.name, {
    version: phase.version,
    status: 'running',
    startedAt: now(),
    command: options.command,
    steps: stepRecordsInOrder(phase, options.restart === true ? {} : (previous?.steps ?? {})),
  });
  const infos = stepInfos(phase, disp);
  emit(host, {
    level: 'info',
    code: ENGINE_EVENTS.phaseStart,
    message: `${phase.name} (${options.deployment}): ${infos.filter((i) => i.plan !== 'skip').length} of ${infos.length} steps to run.`,
    data: { phase: phase.name, deployment: options.deployment, concurrency, steps: infos },
  });

  const runner = new StepRunner(phase, services, { host, disp, record, journal, signal: options.signal });
  await runner.sortSteps();
  await runner.runAll(concurrency);
  const { failure, pending, cancelled, started, outputsSnapshot } = runner;

  // A stop that arrived after the last step finished changes nothing: every step is done.
  const succeeded = failure === undefined && pending.length === 0 && cancelled.size === 0;
  if (!succeeded) await runCleanups(phase, services, host, record, disp, started, outputsSnapshot, journal);

  return closeRun(phase, options, record, journal, { failure, succeeded, resumeCommand });
}

/** Record how the run ended (journal and phase-end event) and build its result. */
async function closeRun<S>(
  phase: Phase<S>,
  options: RunPhaseOptions,
  record: PhaseRecord,
  journal: Journal,
  end: { failure: PhaseResult['failure']; succeeded: boolean; resumeCommand: string },
): Promise<PhaseResult> {
  const { failure, succeeded, resumeCommand } = end;
  const host = options.host;
  const now = (): string => new Date().toISOString();
  const allDone = phase.steps.every((s) =>
    ['done', 'skipped'].includes(record.steps[s.id]?.status ?? (s.enabled === false ? 'skipped' : 'pending')),
  );
  const status: PhaseResult['status'] = failure !== undefined ? 'failed' : succeeded ? 'succeeded' : 'interrupted';
  const journalStatus: PhaseStatus =
    status === 'succeeded' ? (allDone ? 'succeeded' : 'incomplete') : status === 'failed' ? 'failed' : 'interrupted';
  record.status = journalStatus;
  record.endedAt = now();
  if (status === 'succeeded') delete record.resumeCommand;
  else record.resumeCommand = resumeCommand;
  await journal.save();
  emit(host, {
    level: status === 'succeeded' ? 'info' : 'error',
    code: ENGINE_EVENTS.phaseEnd,
    message: `${phase.name}: ${status}`,
    data: { phase: phase.name, status, ...(status === 'succeeded' ? {} : { resumeCommand }) },
  });

  const result: PhaseResult = {
    phase: phase.name,
    deployment: options.deployment,
    status,
    steps: phase.steps.map((s) => toStepResult(s, record.steps[s.id])),
    outputs: collectOutputs(phase, record),
  };
  if (status !== 'succeeded') result.resumeCommand = resumeCommand;
  if (failure !== undefined) result.failure = failure;
  return result;
}

/**
 * Run the cleanup of every step that started (in this run, or done in an earlier run of this phase), newest
 * first, with a fresh (non-aborted) signal so the cleanup can still call out. A failing cleanup is reported
 * and does not hide the original failure.
 */
async function runCleanups<S>(
  phase: Phase<S>,
  services: S,
  host: EventHost,
  record: PhaseRecord,
  disp: Map<string, Disposition>,
  startedThisRun: string[],
  outputsSnapshot: () => Readonly<Record<string, StepOutputs>>,
  journal: Journal,
): Promise<void> {
  const earlier = phase.steps
    .filter(
      (s) =>
        !startedThisRun.includes(s.id) &&
        wasDoneBefore(disp.get(s.id) as Disposition) &&
        record.steps[s.id]?.status === 'done',
    )
    .sort((a, b) => (record.steps[a.id]?.startedAt ?? '').localeCompare(record.steps[b.id]?.startedAt ?? ''))
    .map((s) => s.id);
  const order = [...earlier, ...startedThisRun].reverse();
  const controller = new AbortController();
  for (const id of order) {
    const step = phase.steps.find((s) => s.id === id) as Step<S>;
    if (step.cleanup === undefined) continue;
    const rec = record.steps[id];
    emit(host, { level: 'info', code: 'ENGINE_CLEANUP', stepId: id, message: `${step.title}: cleaning up` });
    try {
      await step.cleanup({
        host: stepHost(host, id),
        outputs: outputsSnapshot(),
        services,
        signal: controller.signal,
        attempt: rec?.attempts ?? 1,
      });
      if (rec?.status === 'done') {
        // Its effect was undone: the step must run again on resume.
        record.steps[id] = { ...rec, status: 'pending', error: 'undone by cleanup after the phase stopped' };
        delete record.steps[id].outputs;
      }
    } catch (error) {
      emit(host, {
        level: 'error',
        code: 'ENGINE_CLEANUP_FAILED',
        stepId: id,
        message: `${step.title}: cleanup failed: ${oneLine(error)}`,
      });
    }
    await journal.save();
  }
}

/** Steps this run relies on as done from an earlier run (not ones --from/--only is redoing). */
function wasDoneBefore(d: Disposition): boolean {
  return d.kind === 'done' || d.kind === 'verify' || d.kind === 'probe';
}

/**
 * Record in the journal that a phase stopped before its steps could run, at `stepId` (e.g. preflight
 * without usable credentials), so `status` and the next run see the failure and the resume command
 * instead of "no phase has run yet". Under the lock, like a run.
 */
export async function recordPhaseRefusal<S>(
  phase: Phase<S>,
  options: Pick<RunPhaseOptions, 'deployment' | 'stateDir' | 'command' | 'host' | 'resumeCommand'> & {
    stepId: string;
    error: unknown;
  },
): Promise<void> {
  const lock = await acquireLock({
    stateDir: options.stateDir,
    deployment: options.deployment,
    command: options.command,
    breakLock: false,
    host: options.host,
  });
  try {
    const journal = await Journal.open(options.stateDir, options.deployment);
    const at = new Date().toISOString();
    const steps = stepRecordsInOrder(phase, journal.phase(phase.name)?.steps ?? {});
    const step = phase.steps.find((s) => s.id === options.stepId);
    steps[options.stepId] = {
      title: step?.title ?? options.stepId,
      status: 'failed',
      attempts: (steps[options.stepId]?.attempts ?? 0) + 1,
      startedAt: at,
      endedAt: at,
      error: oneLine(options.error),
    };
    journal.setPhase(phase.name, {
      version: phase.version,
      status: 'failed',
      startedAt: at,
      endedAt: at,
      command: options.command,
      resumeCommand: options.resumeCommand ?? options.command,
      steps,
    });
    await journal.save();
  } finally {
    await lock.release();
  }
}
