/**
 * The terminal renderer: listr2's default renderer on stderr, driven by the engine's lifecycle events
 * (ENGINE_PHASE_START creates one task per step; ENGINE_STEP_START/END move it; other events of a step
 * become its sub-lines). The title shows the elapsed time and an ETA from the step's expectedSeconds.
 *
 * listr2 9 pitfalls handled (toolchain.md §8): it only checks stdout for a TTY, so the fallback condition
 * also covers stderr, CI and TERM=dumb; failed tasks are collected (collectErrors 'minimal') and reported
 * by `close()` — the engine's result stays the authority for the exit code; listr's own signal listeners
 * are off so SIGINT reaches the engine. listr2 is imported lazily, on the first phase.
 */
import { writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import type * as Listr2Module from 'listr2';
import type { ConfirmRequest, EngineStepInfo, EventHost, PlatformEvent } from '../../engine/host.js';
import { ENGINE_EVENTS } from '../../engine/host.js';
import { createStyle } from '../style.js';
import { formatProgress } from './format.js';
import { describeEvent } from './line.js';
import { renderPlanTree } from './plan-tree.js';
import { askOnTerminal, decideWithoutAsking, type PromptPolicy } from './prompt.js';

type Listr2 = typeof Listr2Module;
type Wrapper = { title: string; output: string; skip(message?: string): void; prompt: (adapter: never) => unknown };

interface StepEnd {
  status: string;
  reason?: string;
  error?: string;
}

interface TaskState {
  info: EngineStepInfo;
  startedAt?: number;
  wrapper?: Wrapper;
  /** Resolves when listr2 has started this task (it boots asynchronously, after the engine may have moved on). */
  ready: Promise<void>;
  markReady: () => void;
  start: Promise<void>;
  markStarted: () => void;
  end: Promise<StepEnd>;
  markEnded: (end: StepEnd) => void;
  ended: boolean;
  running: boolean;
  lines: string[];
}

interface ActivePhase {
  states: Map<string, TaskState>;
  run: Promise<void>;
  mod: Listr2;
}

export interface ListrHostOptions extends PromptPolicy {
  verbose: boolean;
  /** Where plans and lines outside the task list go. @default process.stderr */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export function isPlainTerminal(
  env: NodeJS.ProcessEnv = process.env,
  stderrIsTTY = process.stderr.isTTY === true,
): boolean {
  return !stderrIsTTY || env.CI === 'true' || env.CI === '1' || env.TERM === 'dumb';
}

/**
 * Show a sub-line under a task. listr2 9's default renderer drops a task's output buffer when the task
 * closes and then throws on a late write; a late progress line is not worth failing the run for.
 */
function setOutput(wrapper: Wrapper, line: string): void {
  try {
    wrapper.output = line;
  } catch {
    // the task already closed: the line is still in the engine's events (and in --verbose logs)
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export class ListrHost implements EventHost {
  private chain: Promise<void> = Promise.resolve();
  private active: ActivePhase | undefined;
  private readonly lines: { emit(event: PlatformEvent): void };

  constructor(private readonly options: ListrHostOptions) {
    const stream = options.stream ?? process.stderr;
    const style = createStyle({ stream: stream as NodeJS.WriteStream });
    // On a terminal, lines outside the task list are for a person: no timestamps, a mark for warnings and errors.
    this.lines = {
      emit: (event) => {
        if (event.code === ENGINE_EVENTS.plan) {
          const d = (event.data ?? {}) as Record<string, unknown>;
          const columns = (stream as { columns?: number }).columns ?? process.stdout.columns;
          stream.write(
            renderPlanTree(String(d.phase), String(d.deployment), d.steps as EngineStepInfo[], {
              width: columns ?? 0,
              style,
              probed: d.probed === true,
            }),
          );
          return;
        }
        const mark =
          event.level === 'error' ? `${style.red('✖')} ` : event.level === 'warn' ? `${style.yellow('⚠')} ` : '';
        const text = describeEvent(event, options.verbose);
        if (text.length > 0) stream.write(text.map((l) => `${mark}${l}\n`).join(''));
      },
    };
  }

  emit(event: Omit<PlatformEvent, 'time'> & { time?: string }): void {
    const full: PlatformEvent = { ...event, time: event.time ?? new Date().toISOString() };
    this.chain = this.chain
      .then(() => this.handle(full))
      .catch((error: unknown) => {
        writeSync(2, `renderer error: ${error instanceof Error ? error.message : String(error)}\n`);
      });
  }

  private async handle(event: PlatformEvent): Promise<void> {
    const d = (event.data ?? {}) as Record<string, unknown>;
    if (event.code === ENGINE_EVENTS.phaseStart) {
      await this.startPhase(d.steps as EngineStepInfo[]);
      return;
    }
    const active = this.active;
    if (active === undefined) {
      this.lines.emit(event);
      return;
    }
    const state = event.stepId === undefined ? undefined : active.states.get(event.stepId);
    if (event.code === ENGINE_EVENTS.stepStart && state !== undefined) {
      state.startedAt = Date.now();
      state.running = true;
      state.markStarted();
    } else if (event.code === ENGINE_EVENTS.stepEnd && state !== undefined) {
      state.running = false;
      state.ended = true;
      state.markEnded({
        status: String(d.status),
        ...(typeof d.reason === 'string' ? { reason: d.reason } : {}),
        ...(typeof d.error === 'string' ? { error: d.error } : {}),
      });
    } else if (event.code === ENGINE_EVENTS.phaseEnd) {
      for (const s of active.states.values()) if (!s.ended) s.markEnded({ status: 'pending' });
      await active.run;
      this.active = undefined;
      this.lines.emit(event);
    } else if (state !== undefined && (event.level !== 'debug' || this.options.verbose)) {
      state.lines.push(event.message);
      if (state.wrapper !== undefined && !state.ended) setOutput(state.wrapper, event.message);
    } else if (event.level !== 'debug' || this.options.verbose) {
      // Not tied to a step: written through the hijacked stream, shown when the task list ends.
      this.lines.emit(event);
    }
  }

  private async startPhase(steps: EngineStepInfo[]): Promise<void> {
    const mod = await import('listr2');
    const output = new mod.ProcessOutput(process.stderr, process.stderr);
    const logger = new mod.ListrLogger({ processOutput: output, useIcons: true });
    const states = new Map<string, TaskState>();
    for (const info of steps) {
      const start = deferred<void>();
      const end = deferred<StepEnd>();
      const ready = deferred<void>();
      states.set(info.id, {
        info,
        ready: ready.promise,
        markReady: () => ready.resolve(),
        start: start.promise,
        markStarted: () => start.resolve(),
        end: end.promise,
        markEnded: (e) => end.resolve(e),
        ended: false,
        running: false,
        lines: [],
      });
    }
    const tasks = steps.map((info) => ({
      title: info.title,
      task: async (_ctx: unknown, task: Wrapper): Promise<void> => {
        const st = states.get(info.id) as TaskState;
        st.wrapper = task;
        st.markReady();
        const last = st.lines.at(-1);
        if (last !== undefined) setOutput(task, last);
        if (info.plan === 'skip') {
          task.skip(`${info.title} (${info.reason})`);
          return;
        }
        task.title = `${info.title} (waiting)`;
        const tick = setInterval(() => {
          if (st.startedAt !== undefined && !st.ended)
            task.title = `${info.title} (${formatProgress(Date.now() - st.startedAt, info.expectedSeconds)})`;
        }, 1000);
        let end: StepEnd;
        try {
          await Promise.race([st.start, st.end]);
          if (!st.ended) task.title = `${info.title} (${formatProgress(0, info.expectedSeconds)})`;
          end = await st.end;
        } finally {
          clearInterval(tick);
        }
        task.title = info.title;
        if (end.status === 'done') {
          if (end.reason !== 'run') task.skip(`${info.title} (already done)`);
          return;
        }
        if (end.status === 'failed') throw new Error(`${info.title}: ${end.error ?? 'failed'}`);
        if (end.status === 'interrupted') throw new Error(`${info.title}: interrupted`);
        task.skip(`${info.title} (not started)`);
      },
      rendererOptions: { outputBar: 3, persistentOutput: false },
    }));
    const listr = new mod.Listr(
      tasks as never,
      {
        concurrent: true,
        exitOnError: false,
        collectErrors: 'minimal',
        registerSignalListeners: false,
        forceTTY: true,
        fallbackRendererCondition: () => isPlainTerminal(),
        rendererOptions: { logger, timer: mod.PRESET_TIMER, collapseErrors: false, showErrorMessage: true },
        fallbackRendererOptions: { logger, timer: mod.PRESET_TIMER },
      } as never,
    ) as unknown as { run(): Promise<unknown>; errors: unknown[] };
    const run = listr.run().then(
      () => undefined,
      () => undefined,
    );
    this.active = { states, run, mod };
  }

  async confirm(request: ConfirmRequest): Promise<boolean> {
    const decided = decideWithoutAsking(request, this.options);
    if (decided !== undefined) return decided;
    await this.chain;
    const active = this.active;
    if (active === undefined) return askOnTerminal(request);
    const states = [...active.states.values()];
    const owner = states.find((s) => s.info.id === request.stepId && !s.ended) ?? states.find((s) => s.running);
    if (owner === undefined) {
      // No task to host the prompt: write around the task list on the real stream (a Writable, as inquirer pipes to it).
      return askOnTerminal(request, { output: process.stderr });
    }
    await owner.ready;
    if (owner.wrapper === undefined) return askOnTerminal(request, { output: process.stderr });
    // Show the prompt inside the task list (listr2's prompt area), as @listr2/prompt-adapter-inquirer does.
    const mod = active.mod;
    class InquirerAdapter extends mod.ListrPromptAdapter {
      async run<T>(ask: (output: Writable) => Promise<T>): Promise<T> {
        const out = this.wrapper.stdout(mod.ListrTaskEventType.PROMPT);
        // The renderer subscribes to a prompt on its next frame, after inquirer drew the question once:
        // keep re-sending the last frame so the question is never lost.
        let frame = '';
        const relay = new Writable({
          write(chunk: Buffer | string, _encoding, callback) {
            frame = chunk.toString();
            out.write(frame);
            callback();
          },
        });
        const resend = setInterval(() => frame !== '' && out.write(frame), 150);
        this.reportStarted();
        try {
          const answer = await ask(relay);
          this.reportCompleted();
          return answer;
        } catch (error) {
          this.reportFailed();
          throw error;
        } finally {
          clearInterval(resend);
        }
      }
    }
    const adapter = owner.wrapper.prompt(InquirerAdapter as never) as InquirerAdapter;
    return adapter.run((out) => askOnTerminal(request, { output: out }));
  }

  async close(): Promise<void> {
    await this.chain;
    if (this.active !== undefined) {
      for (const s of this.active.states.values()) if (!s.ended) s.markEnded({ status: 'pending' });
      await this.active.run;
      this.active = undefined;
    }
  }
}
