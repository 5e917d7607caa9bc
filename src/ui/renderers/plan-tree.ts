/**
 * The --dry-run plan on a terminal, as a tree sized to the terminal (like eksctl's task tree): a chain of
 * steps reads top to bottom, steps that may run side by side branch. Each step sits under its deepest
 * dependency (the last declared one on a tie); its other dependencies are named on its line. One duration
 * format (`~30s`, `~4m`, `~1h 05m`), ids kept whole (they are what --from / --only take), titles cut with
 * `…` to fit. CI and pipes keep formatPlan's plain lines (format.ts); --json prints neither.
 */
import type { ChalkInstance } from 'chalk';
import type { EngineStepInfo } from '../../engine/host.js';

/** The narrowest width the tree is laid out for; a smaller (or unknown) terminal gets this. */
export const MIN_WIDTH = 80;

/** `~30s`, `~4m`, `~1h 05m`: whole units, one format for every duration in the tree. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `~${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `~${m}m`;
  return `~${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Terminal columns for a stream: its width, at least MIN_WIDTH. */
export function terminalWidth(columns: number | undefined): number {
  return Math.max(MIN_WIDTH, columns ?? MIN_WIDTH);
}

const MARK: Record<'run' | 'wait' | 'skip' | 'done', string> = { run: '▶', wait: '◦', skip: '–', done: '✔' };

/** What a step's line says besides its title: only what is not the default "checks first, then runs". */
function noteOf(step: EngineStepInfo, parent: string | undefined): string {
  const also = step.dependsOn.filter((d) => d !== parent);
  const notes: string[] = [];
  if (also.length > 0) notes.push(`also after ${also.join(', ')}`);
  if (step.probed === 'done') notes.push('already done (probed)');
  else if (step.probed === 'not-done') notes.push('probed: to do');
  else if (step.probed === 'error') notes.push(step.reason.replace(/; would run$/, '').replace(/^after [^;]+; /, ''));
  else if (step.plan === 'skip') notes.push(step.reason);
  else if (/forced/.test(step.reason)) notes.push('forced by --from/--only');
  else if (/re-verified/.test(step.reason)) notes.push('done in the journal; re-verified');
  return notes.length === 0 ? '' : ` (${notes.join('; ')})`;
}

/** Cut `text` to `max` visible characters, ending in `…` when cut. */
function fit(text: string, max: number): string {
  if (max <= 0) return '';
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Each step's parent in the tree: its deepest dependency (the last declared one on a tie). */
function parents(steps: EngineStepInfo[]): Map<string, string | undefined> {
  const depth = new Map<string, number>();
  const parent = new Map<string, string | undefined>();
  const order = new Map(steps.map((s, i) => [s.id, i]));
  for (const step of steps) {
    let best: string | undefined;
    for (const dep of step.dependsOn) {
      if (!order.has(dep)) continue;
      if (best === undefined || (depth.get(dep) ?? 0) >= (depth.get(best) ?? 0)) best = dep;
    }
    parent.set(step.id, best);
    depth.set(step.id, best === undefined ? 0 : (depth.get(best) ?? 0) + 1);
  }
  return parent;
}

/** The longest chain of expected durations among the steps that would run, in seconds. */
export function criticalPathSeconds(steps: EngineStepInfo[]): number {
  const finish = new Map<string, number>();
  for (const step of steps) {
    const own = step.plan === 'skip' ? 0 : (step.expectedSeconds ?? 0);
    finish.set(step.id, own + Math.max(0, ...step.dependsOn.map((d) => finish.get(d) ?? 0)));
  }
  return Math.max(0, ...finish.values());
}

export interface PlanTreeOptions {
  /** Terminal columns (terminalWidth applied). */
  width: number;
  style: ChalkInstance;
  /** The plan includes what the probes found (credentials were at hand). */
  probed?: boolean;
}

/** The plan as tree lines, each at most `width` columns (without colour codes). */
export function renderPlanTree(
  phase: string,
  deployment: string,
  steps: EngineStepInfo[],
  options: PlanTreeOptions,
): string {
  const width = terminalWidth(options.width);
  const st = options.style;
  const parent = parents(steps);
  const children = new Map<string | undefined, EngineStepInfo[]>();
  for (const step of steps) children.set(parent.get(step.id), [...(children.get(parent.get(step.id)) ?? []), step]);
  const etaWidth = Math.max(
    0,
    ...steps.map((s) => (s.expectedSeconds === undefined ? 0 : formatEta(s.expectedSeconds).length)),
  );
  const lines: string[] = [];

  const line = (prefix: string, step: EngineStepInfo): void => {
    const kind = step.probed === 'done' ? 'done' : step.plan;
    const mark = MARK[kind];
    const eta = step.expectedSeconds === undefined || step.plan === 'skip' ? '' : formatEta(step.expectedSeconds);
    const head = `${prefix}${mark} ${step.id}  `;
    const room = width - head.length - etaWidth - 2;
    const body = fit(`${step.title}${noteOf(step, parent.get(step.id))}`, room);
    const pad = ' '.repeat(Math.max(1, width - head.length - body.length - etaWidth));
    const paint =
      kind === 'run' ? st.cyan : kind === 'done' ? st.green : kind === 'skip' ? st.dim : (s: string): string => s;
    const shown = kind === 'skip' ? st.dim(body) : body;
    lines.push(
      `${st.dim(prefix)}${paint(mark)} ${st.bold(step.id)}  ${shown}${pad}${st.dim(eta.padStart(etaWidth))}`.trimEnd(),
    );
  };

  // A chain continues at the same indent; two or more steps after one branch.
  const sequence = (first: EngineStepInfo, lead: string, rest: string): void => {
    line(lead, first);
    let current = first;
    for (;;) {
      const kids = children.get(current.id) ?? [];
      if (kids.length === 1) {
        current = kids[0] as EngineStepInfo;
        line(rest, current);
        continue;
      }
      kids.forEach((kid, i) => {
        const last = i === kids.length - 1;
        sequence(kid, `${rest}${last ? '└─ ' : '├─ '}`, `${rest}${last ? '   ' : '│  '}`);
      });
      return;
    }
  };

  const roots = children.get(undefined) ?? [];
  if (roots.length === 1) sequence(roots[0] as EngineStepInfo, '  ', '  ');
  else
    roots.forEach((root, i) => {
      const last = i === roots.length - 1;
      sequence(root, `  ${last ? '└─ ' : '├─ '}`, `  ${last ? '   ' : '│  '}`);
    });

  const count = (p: EngineStepInfo['plan']): number => steps.filter((s) => s.plan === p).length;
  const total = criticalPathSeconds(steps);
  const title = fit(`Plan for ${phase} (deployment ${deployment}) — nothing will be changed`, width);
  const [run, wait] = [count('run'), count('wait')];
  const longest = total > 0 ? `; longest path ${formatEta(total)}` : '';
  const starts = `${run} start${run === 1 ? 's' : ''} now`;
  const waits = `${wait} wait${wait === 1 ? 's' : ''} for an earlier step`;
  const summary = `${starts}, ${waits}, ${count('skip')} skipped${longest}`;
  const found = options.probed === true ? `${MARK.done} found done  ` : '';
  const marks = `${MARK.run} starts  ${MARK.wait} waits  ${found}${MARK.skip} skipped`;
  const legend =
    options.probed === true
      ? `${marks} — probed read-only with your credentials`
      : `${marks}; a step whose probe finds its work done is skipped`;
  return `${[st.bold(title), ...lines, fit(summary, width), st.dim(fit(legend, width))].join('\n')}\n`;
}
