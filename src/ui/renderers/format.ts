/**
 * Text shared by the renderers: the --dry-run plan tree (like eksctl's task plan), durations and ETAs.
 * Pure functions over engine event data; no escape codes.
 */
import type { EngineStepInfo } from '../../engine/host.js';

/** `1.2s`, `3m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.round(ms / 100) / 10;
  if (s < 60) return `${s.toFixed(1)}s`;
  const total = Math.round(s);
  const m = Math.floor(total / 60);
  if (m < 60) return `${m}m ${String(total % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** `elapsed 12.0s, ETA ~48s` from the elapsed time and the step's expected duration. */
export function formatProgress(elapsedMs: number, expectedSeconds: number | undefined): string {
  const elapsed = `elapsed ${formatDuration(elapsedMs)}`;
  if (expectedSeconds === undefined || expectedSeconds <= 0) return elapsed;
  const left = expectedSeconds * 1000 - elapsedMs;
  return left > 0
    ? `${elapsed}, ETA ~${formatDuration(left)}`
    : `${elapsed}, taking longer than the expected ${formatDuration(expectedSeconds * 1000)}`;
}

const MARK: Record<EngineStepInfo['plan'], string> = { run: 'run ', wait: 'wait', skip: 'skip' };

/** The plan of a phase: one line per step, dependents indented under their last dependency. */
export function formatPlan(phase: string, deployment: string, steps: EngineStepInfo[]): string {
  const lines = [`Plan for ${phase} (deployment ${deployment}) — nothing will be changed:`];
  const depth = new Map<string, number>();
  for (const step of steps) {
    const d = step.dependsOn.length === 0 ? 0 : Math.max(...step.dependsOn.map((dep) => (depth.get(dep) ?? 0) + 1));
    depth.set(step.id, d);
    const eta = step.expectedSeconds === undefined ? '' : ` ~${formatDuration(step.expectedSeconds * 1000)}`;
    const needs = step.dependsOn.length === 0 ? '' : ` [needs ${step.dependsOn.join(', ')}]`;
    lines.push(`  ${'  '.repeat(d)}[${MARK[step.plan]}] ${step.id}: ${step.title}${eta}${needs} — ${step.reason}`);
  }
  const count = (p: EngineStepInfo['plan']): number => steps.filter((s) => s.plan === p).length;
  lines.push(
    `${count('run')} would start now, ${count('wait')} would wait for dependencies, ${count('skip')} would be skipped.`,
  );
  return `${lines.join('\n')}\n`;
}
