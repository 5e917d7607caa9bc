/**
 * What the engine will do with each step of a run (its disposition), the step plan shown before a run or by
 * --dry-run, the step records a run starts from, and the small event helpers the runner shares.
 */
import { UserError } from '../errors.js';
import type { ConfirmRequest, EngineStepInfo, EventHost, PlatformEvent } from './host.js';
import type { PhaseRecord, StepRecord } from './journal.js';
import type { Phase, RunPhaseOptions, Step, StepOutputs, StepResult } from './types.js';

/** One line of an error, without secrets we could know of (messages are ours or the SDK's). */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const first = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return first.trim().slice(0, 500);
}

export /** What the engine will do with a step at the start of a run. */
type Disposition =
  | { kind: 'done'; reason: 'journal' } // skipped, already done
  | { kind: 'verify' } // done in the journal, re-probe (--verify)
  | { kind: 'probe' } // probe, then run if needed
  | { kind: 'force' } // run without probing (--from / --only)
  | { kind: 'skip'; reason: 'disabled' }
  | { kind: 'keep'; reason: 'not-selected' }; // outside --from/--only: left as recorded

export function checkSelection<S>(phase: Phase<S>, options: RunPhaseOptions): void {
  const given = [
    options.restart === true ? '--restart' : undefined,
    options.from !== undefined ? '--from' : undefined,
    options.only !== undefined ? '--only' : undefined,
  ].filter((x): x is string => x !== undefined);
  if (given.length > 1)
    throw new UserError(`${given.join(' and ')} cannot be combined.`, {
      nextSteps: ['Pass one of --restart, --from STEP or --only STEP.'],
    });
  const wanted = options.from ?? options.only;
  if (wanted !== undefined && !phase.steps.some((s) => s.id === wanted)) {
    throw new UserError(`Phase "${phase.name}" has no step "${wanted}".`, {
      nextSteps: [`Use one of: ${phase.steps.map((s) => s.id).join(', ')}.`],
    });
  }
}

export function dispositions<S>(
  phase: Phase<S>,
  record: PhaseRecord | undefined,
  options: RunPhaseOptions,
): Map<string, Disposition> {
  const result = new Map<string, Disposition>();
  const fromIndex = options.from === undefined ? -1 : phase.steps.findIndex((s) => s.id === options.from);
  phase.steps.forEach((step, index) => {
    const rec = options.restart === true ? undefined : record?.steps[step.id];
    let d: Disposition;
    if (step.enabled === false) d = { kind: 'skip', reason: 'disabled' };
    else if (options.only !== undefined)
      d = step.id === options.only ? { kind: 'force' } : { kind: 'keep', reason: 'not-selected' };
    else if (fromIndex >= 0) d = index >= fromIndex ? { kind: 'force' } : { kind: 'keep', reason: 'not-selected' };
    // --verify can only re-check steps that have a probe; the others stay done.
    else if (rec?.status === 'done')
      d =
        options.verify === true && step.isDone !== undefined ? { kind: 'verify' } : { kind: 'done', reason: 'journal' };
    else d = { kind: 'probe' };
    result.set(step.id, d);
  });
  return result;
}

export function willRun(d: Disposition): boolean {
  return d.kind === 'probe' || d.kind === 'force' || d.kind === 'verify';
}

/** What a dry run's probe found for a step. */
export type Probed = { kind: 'done'; outputs: StepOutputs } | { kind: 'not-done' } | { kind: 'error'; error: string };

export function stepInfos<S>(
  phase: Phase<S>,
  disp: Map<string, Disposition>,
  probed: Map<string, Probed> = new Map(),
): EngineStepInfo[] {
  const probedDone = (id: string): boolean => probed.get(id)?.kind === 'done';
  return phase.steps.map((step) => {
    const d = disp.get(step.id) as Disposition;
    const deps = step.dependsOn ?? [];
    const base = {
      id: step.id,
      title: step.title,
      dependsOn: deps,
      ...(step.expectedSeconds === undefined ? {} : { expectedSeconds: step.expectedSeconds }),
    };
    const p = probed.get(step.id);
    if (p?.kind === 'done')
      return { ...base, plan: 'skip' as const, reason: 'already done (probed)', probed: 'done' as const };
    if (p !== undefined) {
      const how = p.kind === 'error' ? `could not probe (${p.error}); would run` : 'probed: not done; would run';
      const waitingOn = deps.filter((dep) => willRun(disp.get(dep) as Disposition) && !probedDone(dep));
      const plan = waitingOn.length > 0 ? ('wait' as const) : ('run' as const);
      return {
        ...base,
        plan,
        reason: waitingOn.length > 0 ? `after ${waitingOn.join(', ')}; ${how}` : how,
        probed: p.kind,
      };
    }
    if (!willRun(d)) {
      const reason = d.kind === 'done' ? 'done in the journal' : d.kind === 'skip' ? 'disabled' : 'not selected';
      return { ...base, plan: 'skip' as const, reason };
    }
    const waitingOn = deps.filter((dep) => willRun(disp.get(dep) as Disposition) && !probedDone(dep));
    const how =
      d.kind === 'probe'
        ? 'unless isDone finds it done'
        : d.kind === 'verify'
          ? 'done in the journal; re-verified with isDone'
          : 'forced by --from/--only';
    if (waitingOn.length > 0)
      return { ...base, plan: 'wait' as const, reason: `after ${waitingOn.join(', ')}; ${how}` };
    return { ...base, plan: 'run' as const, reason: how };
  });
}

/** Wrap the host so a step's events and prompts carry its id. */
export function stepHost(host: EventHost, stepId: string): EventHost {
  return {
    emit: (event) => host.emit({ ...event, stepId: event.stepId ?? stepId }),
    confirm: (request: ConfirmRequest) => host.confirm({ ...request, stepId: request.stepId ?? stepId }),
  };
}

export function emit(host: EventHost, event: Omit<PlatformEvent, 'time'>): void {
  host.emit(event);
}

export function toStepResult<S>(step: Step<S>, rec: StepRecord | undefined, plan?: StepResult['plan']): StepResult {
  const r: StepResult = {
    id: step.id,
    title: step.title,
    status: rec?.status ?? (step.enabled === false ? 'skipped' : 'pending'),
    attempts: rec?.attempts ?? 0,
  };
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
export function stepRecordsInOrder<S>(
  phase: Phase<S>,
  previous: Record<string, StepRecord>,
): Record<string, StepRecord> {
  const steps: Record<string, StepRecord> = {};
  for (const step of phase.steps)
    steps[step.id] = { ...(previous[step.id] ?? { status: 'pending', attempts: 0 }), title: step.title };
  for (const [id, rec] of Object.entries(previous)) steps[id] ??= rec;
  return steps;
}
