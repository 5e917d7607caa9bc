/**
 * The plain renderer for CI, pipes and TERM=dumb: one timestamped line per event on stderr, appended only —
 * no cursor movement, no redraws, no spinners. Colour only when the stream is a TTY (style.ts).
 */
import type { ConfirmRequest, EngineStepInfo, EventHost, PlatformEvent } from '../../engine/host.js';
import { ENGINE_EVENTS } from '../../engine/host.js';
import { createStyle } from '../style.js';
import { formatDuration, formatPlan, formatProgress } from './format.js';
import { askOnTerminal, decideWithoutAsking, type PromptPolicy } from './prompt.js';

export interface LineHostOptions extends PromptPolicy {
  verbose: boolean;
  /** @default process.stderr */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** How often a still-running step gets a progress line (elapsed, ETA). @default 30000 */
  heartbeatMs?: number;
}

/** Turn an event into the text of zero or more lines (without timestamps). Exported for the TTY host's fallbacks. */
export function describeEvent(event: PlatformEvent, verbose: boolean): string[] {
  const d = (event.data ?? {}) as Record<string, unknown>;
  const title = typeof d.title === 'string' ? d.title : (event.stepId ?? '');
  switch (event.code) {
    case ENGINE_EVENTS.plan:
      return formatPlan(String(d.phase), String(d.deployment), d.steps as EngineStepInfo[])
        .trimEnd()
        .split('\n');
    case ENGINE_EVENTS.phaseStart:
      return [event.message];
    case ENGINE_EVENTS.stepStart: {
      const expected =
        typeof d.expectedSeconds === 'number' ? `, expected ~${formatDuration(d.expectedSeconds * 1000)}` : '';
      const attempt = typeof d.attempt === 'number' && d.attempt > 1 ? `, attempt ${d.attempt}` : '';
      return [`> ${title} [${event.stepId}]${attempt}${expected}`];
    }
    case ENGINE_EVENTS.stepEnd: {
      const took = typeof d.durationMs === 'number' ? ` (${formatDuration(d.durationMs)})` : '';
      if (d.status === 'done' && d.reason === 'run') return [`ok ${title}${took}`];
      if (d.status === 'failed') return [`FAILED ${title}${took}: ${String(d.error ?? '')}`];
      if (d.status === 'interrupted') return [`INTERRUPTED ${title}: ${String(d.error ?? '')}`];
      const why =
        d.reason === 'journal'
          ? 'already done (journal)'
          : d.reason === 'probe'
            ? 'already done (probed)'
            : d.reason === 'disabled'
              ? 'disabled'
              : `not selected (${String(d.status)})`;
      return [`- ${title}: ${why}`];
    }
    case ENGINE_EVENTS.phaseEnd:
      return [
        typeof d.resumeCommand === 'string' ? `${event.message}; resume with: ${d.resumeCommand}` : event.message,
      ];
    default:
      if (event.level === 'debug' && !verbose) return [];
      return [`${event.stepId === undefined ? '' : `[${event.stepId}] `}${event.message}`];
  }
}

export class LineHost implements EventHost {
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly style;
  /** Running steps, for the heartbeat lines. */
  private readonly running = new Map<string, { title: string; since: number; expectedSeconds: number | undefined }>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: LineHostOptions) {
    this.stream = options.stream ?? process.stderr;
    this.style = createStyle({ stream: this.stream as NodeJS.WriteStream });
  }

  emit(event: Omit<PlatformEvent, 'time'> & { time?: string }): void {
    const full: PlatformEvent = { ...event, time: event.time ?? new Date().toISOString() };
    this.track(full);
    const lines = describeEvent(full, this.options.verbose);
    if (lines.length === 0) return;
    const level =
      full.level === 'error'
        ? this.style.red('ERROR')
        : full.level === 'warn'
          ? this.style.yellow('WARN ')
          : full.level === 'debug'
            ? this.style.dim('DEBUG')
            : 'INFO ';
    this.stream.write(lines.map((line) => `${full.time} ${level} ${line}\n`).join(''));
  }

  async confirm(request: ConfirmRequest): Promise<boolean> {
    const decided = decideWithoutAsking(request, this.options);
    if (decided !== undefined) return decided;
    return askOnTerminal(request, { output: this.stream as NodeJS.WriteStream });
  }

  /** Keep the set of running steps and a heartbeat that prints their elapsed time and ETA. */
  private track(event: PlatformEvent): void {
    const d = (event.data ?? {}) as Record<string, unknown>;
    if (event.code === ENGINE_EVENTS.stepStart && event.stepId !== undefined) {
      this.running.set(event.stepId, {
        title: String(d.title ?? event.stepId),
        since: Date.now(),
        expectedSeconds: typeof d.expectedSeconds === 'number' ? d.expectedSeconds : undefined,
      });
      if (this.heartbeat === undefined) {
        this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs ?? 30_000);
        this.heartbeat.unref();
      }
    } else if (
      (event.code === ENGINE_EVENTS.stepEnd && event.stepId !== undefined) ||
      event.code === ENGINE_EVENTS.phaseEnd
    ) {
      if (event.code === ENGINE_EVENTS.phaseEnd) this.running.clear();
      else this.running.delete(event.stepId as string);
      if (this.running.size === 0) this.stopHeartbeat();
    }
  }

  private beat(): void {
    const time = new Date().toISOString();
    for (const [id, r] of this.running)
      this.stream.write(
        `${time} INFO  ... ${r.title} [${id}] still running (${formatProgress(Date.now() - r.since, r.expectedSeconds)})\n`,
      );
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  async close(): Promise<void> {
    // Lines are written synchronously; only the heartbeat needs stopping.
    this.stopHeartbeat();
    this.running.clear();
  }
}
