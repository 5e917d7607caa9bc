/**
 * The run loop of one phase run: which steps are already satisfied, which wait, starting every step whose
 * dependencies are satisfied (up to the concurrency limit), and running one step — probe, run, journal and
 * events — until a failure or a stop lets nothing new start. run-phase.ts opens the run and closes it.
 */
import { CancelledError, CoderPlatformError } from '../errors.js';
import { ENGINE_EVENTS, type EventHost } from './host.js';
import { checkOutputs, type Journal, type PhaseRecord, type StepRecord } from './journal.js';
import { emit, oneLine, stepHost, type Disposition } from './step-plan.js';
import type { Phase, PhaseResult, Step, StepContext, StepOutputs } from './types.js';

const now = (): string => new Date().toISOString();

export class StepRunner<S> {
  /** Steps that may be depended on. */
  readonly satisfied = new Set<string>();
  /** Steps that will be scheduled. */
  readonly pending: Step<S>[] = [];
  /** Step ids whose run() was called, in start order. */
  readonly started: string[] = [];
  /** Steps that ended interrupted in this run. */
  readonly cancelled = new Set<string>();
  failure: PhaseResult['failure'];
  /** A stop was requested (signal) or a step was cancelled: start nothing new. */
  interrupted = false;
  /** Forced steps (--from/--only) are being redone: their old outputs are not visible until they finish again. */
  private readonly redoing: Set<string>;

  constructor(
    private readonly phase: Phase<S>,
    private readonly services: S,
    private readonly run: {
      host: EventHost;
      disp: Map<string, Disposition>;
      record: PhaseRecord;
      journal: Journal;
      signal: AbortSignal | undefined;
    },
  ) {
    this.redoing = new Set(phase.steps.filter((s) => run.disp.get(s.id)?.kind === 'force').map((s) => s.id));
  }

  /** Mark the steps that will not run (done, kept or disabled) and queue the others. */
  async sortSteps(): Promise<void> {
    const { host, disp, record, journal } = this.run;
    for (const step of this.phase.steps) {
      const d = disp.get(step.id) as Disposition;
      if (d.kind === 'done' || d.kind === 'keep' || d.kind === 'skip') {
        this.satisfied.add(step.id);
        if (d.kind === 'skip')
          record.steps[step.id] = { ...(record.steps[step.id] ?? { attempts: 0 }), status: 'skipped' };
        const status = d.kind === 'skip' ? 'skipped' : (record.steps[step.id]?.status ?? 'pending');
        const what = d.reason === 'journal' ? 'already done' : d.reason === 'disabled' ? 'disabled' : 'not selected';
        emit(host, {
          level: 'info',
          code: ENGINE_EVENTS.stepEnd,
          stepId: step.id,
          message: `${step.title}: ${what}`,
          data: { title: step.title, status, reason: d.reason },
        });
      } else {
        this.pending.push(step);
      }
    }
    await journal.save();
  }

  /** The outputs of the steps done so far (frozen), as a step sees them. */
  readonly outputsSnapshot = (): Readonly<Record<string, StepOutputs>> => {
    const out: Record<string, StepOutputs> = {};
    for (const step of this.phase.steps) {
      if (this.redoing.has(step.id)) continue;
      const rec = this.run.record.steps[step.id];
      if (rec?.status === 'done' && rec.outputs !== undefined) out[step.id] = Object.freeze({ ...rec.outputs });
    }
    return Object.freeze(out);
  };

  /** Start every ready step (up to `concurrency` at once) until nothing runs and nothing new may start. */
  async runAll(concurrency: number): Promise<void> {
    const { signal } = this.run;
    const running = new Map<string, Promise<void>>();
    const onAbort = (): void => {
      this.interrupted = true;
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted === true) this.interrupted = true;
    try {
      for (;;) {
        if (this.failure === undefined && !this.interrupted) {
          for (const step of [...this.pending]) {
            if (running.size >= concurrency) break;
            if (!(step.dependsOn ?? []).every((dep) => this.satisfied.has(dep))) continue;
            this.pending.splice(this.pending.indexOf(step), 1);
            const p = this.runOne(step).finally(() => running.delete(step.id));
            running.set(step.id, p);
          }
        }
        if (running.size === 0) break;
        await Promise.race(running.values());
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async runOne(step: Step<S>): Promise<void> {
    const { host, disp, record, signal } = this.run;
    const d = disp.get(step.id) as Disposition;
    const prev = record.steps[step.id];
    const attempt = (prev?.attempts ?? 0) + 1;
    const ctx: StepContext<S> = {
      host: stepHost(host, step.id),
      outputs: this.outputsSnapshot(),
      services: this.services,
      signal: signal ?? new AbortController().signal,
      attempt,
    };
    const expected = step.expectedSeconds === undefined ? {} : { expectedSeconds: step.expectedSeconds };
    emit(host, {
      level: 'info',
      code: ENGINE_EVENTS.stepStart,
      stepId: step.id,
      message: `${step.title}: started`,
      data: { title: step.title, attempt, ...expected },
    });
    const t0 = Date.now();
    try {
      if ((d.kind === 'probe' || d.kind === 'verify') && step.isDone !== undefined) {
        if (await this.foundDone(step, d, ctx, prev, t0)) return;
      }
      if (signal?.aborted === true) throw new CancelledError();
      await this.runStep(step, ctx, attempt);
    } catch (error) {
      await this.recordFailure(step, prev, error, t0);
    }
  }

  /** The step's probe: true (recorded done, outputs kept) when its effect is already there. */
  private async foundDone(
    step: Step<S>,
    d: Disposition,
    ctx: StepContext<S>,
    prev: StepRecord | undefined,
    t0: number,
  ): Promise<boolean> {
    const { host, record, journal } = this.run;
    const found = await (step.isDone as NonNullable<Step<S>['isDone']>)(ctx);
    if (found !== undefined) {
      const outputs = checkOutputs(step.id, found);
      const at = now();
      record.steps[step.id] = {
        title: step.title,
        status: 'done',
        attempts: prev?.attempts ?? 0,
        startedAt: prev?.startedAt ?? at,
        endedAt: prev?.endedAt ?? at,
        ...(prev?.durationMs === undefined ? {} : { durationMs: prev.durationMs }),
        outputs,
      };
      await journal.save();
      emit(host, {
        level: 'info',
        code: ENGINE_EVENTS.stepEnd,
        stepId: step.id,
        message: `${step.title}: already done`,
        data: {
          title: step.title,
          status: 'done',
          reason: d.kind === 'verify' ? 'journal' : 'probe',
          durationMs: Date.now() - t0,
        },
      });
      this.satisfied.add(step.id);
      return true;
    }
    if (d.kind === 'verify') {
      emit(host, {
        level: 'warn',
        code: 'ENGINE_VERIFY_REDO',
        stepId: step.id,
        message: `${step.title}: recorded done, but its effect is missing; running it again.`,
      });
    }
    return false;
  }

  private async runStep(step: Step<S>, ctx: StepContext<S>, attempt: number): Promise<void> {
    const { host, record, journal } = this.run;
    const startedAt = now();
    record.steps[step.id] = { title: step.title, status: 'running', attempts: attempt, startedAt };
    this.started.push(step.id);
    await journal.save();
    const t1 = Date.now();
    const result = await step.run(ctx);
    const outputs = result === undefined ? {} : checkOutputs(step.id, result);
    const durationMs = Date.now() - t1;
    record.steps[step.id] = {
      title: step.title,
      status: 'done',
      attempts: attempt,
      startedAt,
      endedAt: now(),
      durationMs,
      outputs,
    };
    this.redoing.delete(step.id);
    await journal.save();
    this.satisfied.add(step.id);
    emit(host, {
      level: 'info',
      code: ENGINE_EVENTS.stepEnd,
      stepId: step.id,
      message: `${step.title}: done`,
      data: { title: step.title, status: 'done', reason: 'run', durationMs },
    });
  }

  private async recordFailure(step: Step<S>, prev: StepRecord | undefined, error: unknown, t0: number): Promise<void> {
    const { host, record, journal, signal } = this.run;
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
      this.interrupted = true;
      this.cancelled.add(step.id);
    }
    if (!wasCancelled && this.failure === undefined) {
      const nextSteps = CoderPlatformError.is(error) ? error.nextSteps : [];
      this.failure = { stepId: step.id, title: step.title, error: message, nextSteps };
    }
    const status = wasCancelled ? 'interrupted' : 'failed';
    emit(host, {
      level: wasCancelled ? 'warn' : 'error',
      code: ENGINE_EVENTS.stepEnd,
      stepId: step.id,
      message: `${step.title}: ${status}: ${message}`,
      data: { title: step.title, status, reason: 'run', error: message, durationMs: Date.now() - t0 },
    });
  }
}
