/** The human view of `coder-platform status` (stdout). `--json` prints the StatusResult instead. */
import type { StatusResult } from '../services/status.js';
import { formatDuration } from './renderers/format.js';
import { createStyle } from './style.js';

const MARK: Record<string, string> = {
  done: '✔',
  succeeded: '✔',
  failed: '✖',
  interrupted: '!',
  running: '…',
  pending: '·',
  skipped: '-',
  incomplete: '…',
};

export function renderStatus(result: StatusResult, stream: NodeJS.WriteStream = process.stdout): string {
  const s = createStyle({ stream });
  const colour = (status: string, text: string): string =>
    status === 'done' || status === 'succeeded'
      ? s.green(text)
      : status === 'failed'
        ? s.red(text)
        : status === 'interrupted' || status === 'running' || status === 'incomplete'
          ? s.yellow(text)
          : s.dim(text);
  const lines = [
    `${s.bold('Deployment')} ${result.deployment}  ${s.dim(`(state: ${result.remote ?? result.stateDir})`)}`,
  ];
  if (result.lock !== undefined) {
    const who = result.lock.ciJob ?? (result.lock.user === undefined ? '' : `user ${result.lock.user}, `);
    const by = result.lock.ciJob === undefined ? who : `${who}, `;
    lines.push(
      result.lock.stale === undefined
        ? s.yellow(
            `Locked by ${by}pid ${result.lock.pid} on ${result.lock.host} since ${result.lock.startedAt}: ${result.lock.command}`,
          )
        : s.yellow(`Stale lock: ${result.lock.stale}`),
    );
  }
  if (result.phases.length === 0) lines.push('', 'No phase has run yet.');
  for (const phase of result.phases) {
    const when = phase.endedAt ?? phase.startedAt;
    lines.push(
      '',
      `${colour(phase.status, `${MARK[phase.status] ?? '?'} ${phase.name}`)} ${phase.status}${when === undefined ? '' : s.dim(`  ${when}`)}`,
    );
    for (const step of phase.steps) {
      const took = step.durationMs === undefined ? '' : ` ${formatDuration(step.durationMs)}`;
      const tries = step.attempts > 1 ? `, ${step.attempts} attempts` : '';
      const title = step.title === undefined ? '' : s.dim(` ${step.title}`);
      lines.push(
        `    ${colour(step.status, `${MARK[step.status] ?? '?'} ${step.id}`)}${title} ${step.status}${s.dim(`${took}${tries}${step.endedAt === undefined ? '' : `  ${step.endedAt}`}`)}`,
      );
      if (step.error !== undefined && step.status !== 'done') lines.push(`        ${s.red(step.error)}`);
    }
  }
  const v = result.versions;
  const versions = [
    v.coder === undefined ? undefined : `Coder ${v.coder}`,
    v.chart === undefined ? undefined : `chart ${v.chart}`,
    v.kubernetes === undefined ? undefined : `Kubernetes ${v.kubernetes}`,
  ].filter((x): x is string => x !== undefined);
  lines.push('', `${s.bold('Versions')} ${versions.length === 0 ? s.dim('none recorded yet') : versions.join(', ')}`);
  lines.push('', `${s.bold('Next')} ${result.nextReason}`);
  if (result.nextCommand !== undefined) lines.push(`  ${s.cyan(result.nextCommand)}`);
  return `${lines.join('\n')}\n`;
}
