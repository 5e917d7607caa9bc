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
import { CancelledError, CoderPlatformError, UserError, BugError } from '../errors.js';
import { ENGINE_EVENTS, type ConfirmRequest, type EngineStepInfo, type EventHost, type PlatformEvent } from './host.js';
import { Journal, checkOutputs, readJournal, type JournalData, type PhaseRecord, type PhaseStatus, type StepRecord } from './journal.js';
import { acquireLock } from './lock.js';
import { startRemoteSession } from './remote-session.js';
import { pullState } from './remote-state.js';
import type { Phase, PhaseResult, RunPhaseOptions, Step, StepContext, StepOutputs, StepResult } from './types.js';

export const DEFAULT_CONCURRENCY = 4;

/** What the engine will do with a step at the start of a run. */
type Disposition =
  | { kind: 'done'; reason: 'journal' } // skipped, already done
  | { kind: 'verify' } // done in the journal, re-probe (--verify)
  | { kind: 'probe' } // probe, then run if needed
  | { kind: 'force' } // run without probing (--from / --only)
  | { kind: 'skip'; reason: 'disabled' }
  | { kind: 'keep'; reason: 'not-selected' }; // outside --from/--only: left as recorded

/** One line of an error, without secrets we could know of (messages are ours or the SDK's). */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const first = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return first.trim().slice(0, 500);
}

/** Check a phase definition: unique ids, known dependencies, no cycles. */
export function validatePhase<S>(phase: Phase<S>): void {
  const ids = new Set<string>();
  for (const step of phase.steps) {
    if (ids.has(step.id)) throw new BugError(`Phase "${phase.name}" declares step "${step.id}" twice.`);
    ids.add(step.id);
  }
  for (const step of phase.steps) {
    for (const dep of step.dependsOn ?? []) {
      if (!ids.has(dep)) throw new BugError(`Step "${step.id}" of phase "${phase.name}" depends on unknown step "${dep}".`);
    }
  }
  const state = new Map<string, 'visiting' | 'visited'>();
  const byId = new Map(phase.steps.map((s) => [s.id, s]));
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'visited') return;
    if (state.get(id) === 'visiting') throw new BugError(`Phase "${phase.name}" has a dependency cycle: ${[...path, id].join(' -> ')}.`);
    state.set(id, 'visiting');
    for (const dep of byId.get(id)?.dependsOn ?? []) visit(dep, [...path, id]);
    state.set(id, 'visited');
  };
  for (const step of phase.steps) visit(step.id, []);
}

function checkSelection<S>(phase: Phase<S>, options: RunPhaseOptions): void {
  const given = [options.restart === true ? '--restart' : undefined, options.from !== undefined ? '--from' : undefined, options.only !== undefined ? '--only' : undefined].filter(
    (x): x is string => x !== undefined,
  );
  if (given.length > 1) throw new UserError(`${given.join(' and ')} cannot be combined.`, { nextSteps: ['Pass one of --restart, --from STEP or --only STEP.'] });
  const wanted = options.from ?? options.only;
  if (wanted !== undefined && !phase.steps.some((s) => s.id === wanted)) {
    throw new UserError(`Phase "${phase.name}" has no step "${wanted}".`, { nextSteps: [`Use one of: ${phase.steps.map((s) => s.id).join(', ')}.`] });
  }
}

function dispositions<S>(phase: Phase<S>, record: PhaseRecord | undefined, options: RunPhaseOptions): Map<string, Disposition> {
  const result = new Map<string, Disposition>();
  const fromIndex = options.from === undefined ? -1 : phase.steps.findIndex((s) => s.id === options.from);
  phase.steps.forEach((step, index) => {
    const rec = options.restart === true ? undefined : record?.steps[step.id];
    let d: Disposition;
    if (step.enabled === false) d = { kind: 'skip', reason: 'disabled' };
    else if (options.only !== undefined) d = step.id === options.only ? { kind: 'force' } : { kind: 'keep', reason: 'not-selected' };
    else if (fromIndex >= 0) d = index >= fromIndex ? { kind: 'force' } : { kind: 'keep', reason: 'not-selected' };
    // --verify can only re-check steps that have a probe; the others stay done.
    else if (rec?.status === 'done') d = options.verify === true && step.isDone !== undefined ? { kind: 'verify' } : { kind: 'done', reason: 'journal' };
    else d = { kind: 'probe' };
    result.set(step.id, d);
  });
  return result;
}

function willRun(d: Disposition): boolean {
  return d.kind === 'probe' || d.kind === 'force' || d.kind === 'verify';
}

function stepInfos<S>(phase: Phase<S>, disp: Map<string, Disposition>): EngineStepInfo[] {
  return phase.steps.map((step) => {
    const d = disp.get(step.id) as Disposition;
    const deps = step.dependsOn ?? [];
    const base = { id: step.id, title: step.title, dependsOn: deps, ...(step.expectedSeconds === undefined ? {} : { expectedSeconds: step.expectedSeconds }) };
    if (!willRun(d)) {
      const reason = d.kind === 'done' ? 'done in the journal' : d.kind === 'skip' ? 'disabled' : 'not selected';
      return { ...base, plan: 'skip' as const, reason };
    }
    const waitingOn = deps.filter((dep) => willRun(disp.get(dep) as Disposition));
    const how = d.kind === 'probe' ? 'unless isDone finds it done' : d.kind === 'verify' ? 'done in the journal; re-verified with isDone' : 'forced by --from/--only';
    if (waitingOn.length > 0) return { ...base, plan: 'wait' as const, reason: `after ${waitingOn.join(', ')}; ${how}` };
    return { ...base, plan: 'run' as const, reason: how };
  });
}

/** Wrap the host so a step's events and prompts carry its id. */
function stepHost(host: EventHost, stepId: string): EventHost {
  return {
    emit: (event) => host.emit({ ...event, stepId: event.stepId ?? stepId }),
    confirm: (request: ConfirmRequest) => host.confirm({ ...request, stepId: request.stepId ?? stepId }),
  };
}

function emit(host: EventHost, event: Omit<PlatformEvent, 'time'>): void {
  host.emit(event);
}

function toStepResult<S>(step: Step<S>, rec: StepRecord | undefined, plan?: StepResult['plan']): StepResult {
  const r: StepResult = { id: step.id, title: step.title, status: rec?.status ?? (step.enabled === false ? 'skipped' : 'pending'), attempts: rec?.attempts ?? 0 };
  if (rec?.startedAt !== undefined) r.startedAt = rec.startedAt;
  if (rec?.endedAt !== undefined) r.endedAt = rec.endedAt;
  if (rec?.durationMs !== undefined) r.durationMs = rec.durationMs;
  if (rec?.error !== undefined) r.error = rec.error;
  if (rec?.outputs !== undefined) r.outputs = rec.outputs;
  if (plan !== undefined) r.plan = plan;
  return r;
}

/**
 * Every step of the phase has a record from the start (pending until it runs), in the phase's order and
 * with its title, so the journal and `status` show what is still to come; records of steps the phase no
 * longer has are kept after them.
 */
function stepRecordsInOrder<S>(phase: Phase<S>, previous: Record<string, StepRecord>): Record<string, StepRecord> {
  const steps: Record<string, StepRecord> = {};
  for (const step of phase.steps) steps[step.id] = { ...(previous[step.id] ?? { status: 'pending', attempts: 0 }), title: step.title };
  for (const [id, rec] of Object.entries(previous)) steps[id] ??= rec;
  return steps;
}

/** Run (or, with dryRun, plan) a phase. Throws UserError for lock/journal/selection problems before any step runs. */
export async function runPhase<S>(phase: Phase<S>, services: S, options: RunPhaseOptions): Promise<PhaseResult> {
  validatePhase(phase);
  checkSelection(phase, options);
  const resumeCommand = options.resumeCommand ?? options.command;
  if (options.dryRun === true) return planPhase(phase, options);

  // s3 backend: the shared lock first (it is the one that counts), then the local copy's own lock.
  const remote = options.remote === undefined ? undefined : await startRemoteSession({
    store: options.remote, stateDir: options.stateDir, deployment: options.deployment, command: options.command,
    phase: phase.name, breakLock: options.breakLock === true, host: options.host,
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

async function planPhase<S>(phase: Phase<S>, options: RunPhaseOptions): Promise<PhaseResult> {
  if (options.remote !== undefined) await pullState(options.remote, options.stateDir);
  const data: JournalData | undefined = await readJournal(options.stateDir);
  const record = data?.phases[phase.name];
  checkVersion(phase, record, options);
  const disp = dispositions(phase, record, options);
  const infos = stepInfos(phase, disp);
  emit(options.host, {
    level: 'info',
    code: ENGINE_EVENTS.plan,
    message: `Plan for ${phase.name} (${options.deployment}): ${infos.filter((i) => i.plan !== 'skip').length} of ${infos.length} steps would run.`,
    data: { phase: phase.name, deployment: options.deployment, steps: infos },
  });
  const steps = phase.steps.map((step, i) => toStepResult(step, options.restart === true ? undefined : record?.steps[step.id], infos[i]?.plan));
  return { phase: phase.name, deployment: options.deployment, status: 'planned', steps, outputs: collectOutputs(phase, options.restart === true ? undefined : record) };
}

function checkVersion<S>(phase: Phase<S>, record: PhaseRecord | undefined, options: RunPhaseOptions): void {
  if (record === undefined || options.restart === true || record.version === phase.version) return;
  throw new UserError(`The journal records ${phase.name} version ${record.version}, but this coder-platform runs version ${phase.version}: its steps changed.`, {
    nextSteps: [`Re-run with --restart: every step re-probes the real system, so work already done is not repeated.`],
  });
}

function collectOutputs<S>(phase: Phase<S>, record: PhaseRecord | undefined): Record<string, StepOutputs> {
  const outputs: Record<string, StepOutputs> = {};
  for (const step of phase.steps) {
    const rec = record?.steps[step.id];
    if (rec?.status === 'done' && rec.outputs !== undefined) outputs[step.id] = rec.outputs;
  }
  return outputs;
}

async function execute<S>(phase: Phase<S>, services: S, options: RunPhaseOptions, journal: Journal, resumeCommand: string): Promise<PhaseResult> {
  const host = options.host;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const previous = journal.phase(phase.name);
  checkVersion(phase, previous, options);
  const disp = dispositions(phase, previous, options);

  // --only: the step's dependencies must already be done (their outputs come from the journal).
  if (options.only !== undefined) {
    const step = phase.steps.find((s) => s.id === options.only) as Step<S>;
    const missing = (step.dependsOn ?? []).filter((dep) => previous?.steps[dep]?.status !== 'done' && phase.steps.find((s) => s.id === dep)?.enabled !== false);
    if (missing.length > 0) {
      throw new UserError(`--only ${step.id} needs ${missing.join(', ')} done first.`, { nextSteps: [`Run the phase without --only, or with --from ${missing[0]}.`] });
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

  // Satisfied = may be depended on. Pending = will be scheduled.
  const satisfied = new Set<string>();
  const pending: Step<S>[] = [];
  for (const step of phase.steps) {
    const d = disp.get(step.id) as Disposition;
    if (d.kind === 'done' || d.kind === 'keep' || d.kind === 'skip') {
      satisfied.add(step.id);
      if (d.kind === 'skip') record.steps[step.id] = { ...(record.steps[step.id] ?? { attempts: 0 }), status: 'skipped' };
      const status = d.kind === 'skip' ? 'skipped' : (record.steps[step.id]?.status ?? 'pending');
      emit(host, { level: 'info', code: ENGINE_EVENTS.stepEnd, stepId: step.id, message: `${step.title}: ${d.reason === 'journal' ? 'already done' : d.reason === 'disabled' ? 'disabled' : 'not selected'}`, data: { title: step.title, status, reason: d.reason } });
    } else {
      pending.push(step);
    }
  }
  await journal.save();

  const signal = options.signal;
  const started: string[] = []; // step ids whose run() was called, in start order
  let failure: PhaseResult['failure'];
  let interrupted = false; // a stop was requested (signal) or a step was cancelled: start nothing new
  const cancelled = new Set<string>(); // steps that ended interrupted in this run
  const running = new Map<string, Promise<void>>();

  // Forced steps (--from/--only) are being redone: their old outputs are not visible until they finish again.
  const redoing = new Set(phase.steps.filter((s) => disp.get(s.id)?.kind === 'force').map((s) => s.id));
  const outputsSnapshot = (): Readonly<Record<string, StepOutputs>> => {
    const out: Record<string, StepOutputs> = {};
    for (const step of phase.steps) {
      if (redoing.has(step.id)) continue;
      const rec = record.steps[step.id];
      if (rec?.status === 'done' && rec.outputs !== undefined) out[step.id] = Object.freeze({ ...rec.outputs });
    }
    return Object.freeze(out);
  };

  const runOne = async (step: Step<S>): Promise<void> => {
    const d = disp.get(step.id) as Disposition;
    const prev = record.steps[step.id];
    const attempt = (prev?.attempts ?? 0) + 1;
    const ctx: StepContext<S> = { host: stepHost(host, step.id), outputs: outputsSnapshot(), services, signal: signal ?? new AbortController().signal, attempt };
    emit(host, { level: 'info', code: ENGINE_EVENTS.stepStart, stepId: step.id, message: `${step.title}: started`, data: { title: step.title, attempt, ...(step.expectedSeconds === undefined ? {} : { expectedSeconds: step.expectedSeconds }) } });
    const t0 = Date.now();
    try {
      if ((d.kind === 'probe' || d.kind === 'verify') && step.isDone !== undefined) {
        const found = await step.isDone(ctx);
        if (found !== undefined) {
          const outputs = checkOutputs(step.id, found);
          const at = now();
          record.steps[step.id] = { title: step.title, status: 'done', attempts: prev?.attempts ?? 0, startedAt: prev?.startedAt ?? at, endedAt: prev?.endedAt ?? at, ...(prev?.durationMs === undefined ? {} : { durationMs: prev.durationMs }), outputs };
          await journal.save();
          emit(host, { level: 'info', code: ENGINE_EVENTS.stepEnd, stepId: step.id, message: `${step.title}: already done`, data: { title: step.title, status: 'done', reason: d.kind === 'verify' ? 'journal' : 'probe', durationMs: Date.now() - t0 } });
          satisfied.add(step.id);
          return;
        }
        if (d.kind === 'verify') emit(host, { level: 'warn', code: 'ENGINE_VERIFY_REDO', stepId: step.id, message: `${step.title}: recorded done, but its effect is missing; running it again.` });
      }
      if (signal?.aborted === true) throw new CancelledError();
      const startedAt = now();
      record.steps[step.id] = { title: step.title, status: 'running', attempts: attempt, startedAt };
      started.push(step.id);
      await journal.save();
      const t1 = Date.now();
      const result = await step.run(ctx);
      const outputs = result === undefined ? {} : checkOutputs(step.id, result);
      const durationMs = Date.now() - t1;
      record.steps[step.id] = { title: step.title, status: 'done', attempts: attempt, startedAt, endedAt: now(), durationMs, outputs };
      redoing.delete(step.id);
      await journal.save();
      satisfied.add(step.id);
      emit(host, { level: 'info', code: ENGINE_EVENTS.stepEnd, stepId: step.id, message: `${step.title}: done`, data: { title: step.title, status: 'done', reason: 'run', durationMs } });
    } catch (error) {
      const wasCancelled = signal?.aborted === true || (CoderPlatformError.is(error) && error.kind === 'cancelled');
      const message = oneLine(error);
      const rec = record.steps[step.id];
      const startedAt = rec?.status === 'running' ? rec.startedAt : undefined;
      const endedAt = now();
      record.steps[step.id] = {
        title: step.title,
        status: wasCancelled ? 'interrupted' : 'failed',
        attempts: rec?.status === 'running' ? rec.attempts : (prev?.attempts ?? 0),
        ...(startedAt === undefined ? {} : { startedAt, durationMs: Date.parse(endedAt) - Date.parse(startedAt) }),
        endedAt,
        error: message,
      };
      await journal.save();
      if (wasCancelled) {
        interrupted = true;
        cancelled.add(step.id);
      }
      if (!wasCancelled && failure === undefined) failure = { stepId: step.id, title: step.title, error: message, nextSteps: CoderPlatformError.is(error) ? error.nextSteps : [] };
      emit(host, { level: wasCancelled ? 'warn' : 'error', code: ENGINE_EVENTS.stepEnd, stepId: step.id, message: `${step.title}: ${wasCancelled ? 'interrupted' : 'failed'}: ${message}`, data: { title: step.title, status: wasCancelled ? 'interrupted' : 'failed', reason: 'run', error: message, durationMs: Date.now() - t0 } });
    }
  };

  const onAbort = (): void => {
    interrupted = true;
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) interrupted = true;
  try {
    for (;;) {
      if (failure === undefined && !interrupted) {
        for (const step of [...pending]) {
          if (running.size >= concurrency) break;
          if (!(step.dependsOn ?? []).every((dep) => satisfied.has(dep))) continue;
          pending.splice(pending.indexOf(step), 1);
          const p = runOne(step).finally(() => running.delete(step.id));
          running.set(step.id, p);
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }

  // A stop that arrived after the last step finished changes nothing: every step is done.
  const succeeded = failure === undefined && pending.length === 0 && cancelled.size === 0;
  if (!succeeded) await runCleanups(phase, services, host, record, disp, started, outputsSnapshot, journal);

  const allDone = phase.steps.every((s) => ['done', 'skipped'].includes(record.steps[s.id]?.status ?? (s.enabled === false ? 'skipped' : 'pending')));
  const status: PhaseResult['status'] = failure !== undefined ? 'failed' : succeeded ? 'succeeded' : 'interrupted';
  const journalStatus: PhaseStatus = status === 'succeeded' ? (allDone ? 'succeeded' : 'incomplete') : status === 'failed' ? 'failed' : 'interrupted';
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
    .filter((s) => !startedThisRun.includes(s.id) && wasDoneBefore(disp.get(s.id) as Disposition) && record.steps[s.id]?.status === 'done')
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
      await step.cleanup({ host: stepHost(host, id), outputs: outputsSnapshot(), services, signal: controller.signal, attempt: rec?.attempts ?? 1 });
      if (rec?.status === 'done') {
        // Its effect was undone: the step must run again on resume.
        record.steps[id] = { ...rec, status: 'pending', error: 'undone by cleanup after the phase stopped' };
        delete record.steps[id].outputs;
      }
    } catch (error) {
      emit(host, { level: 'error', code: 'ENGINE_CLEANUP_FAILED', stepId: id, message: `${step.title}: cleanup failed: ${oneLine(error)}` });
    }
    await journal.save();
  }
}

/** Steps this run relies on as done from an earlier run (not ones --from/--only is redoing). */
function wasDoneBefore(d: Disposition): boolean {
  return d.kind === 'done' || d.kind === 'verify' || d.kind === 'probe';
}
