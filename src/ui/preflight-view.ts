/**
 * Preflight output: on a terminal a table grouped by area (status, check, required, current, quota code,
 * message, and the fix under anything that is not a pass); in CI plain `STATUS area id …` lines that
 * grep well. Quota increase requests follow. --json prints the command's result instead.
 */
import type { ChalkInstance } from 'chalk';
import {
  CHECK_AREAS,
  type CheckResult,
  type CheckStatus,
  type IncreaseOutcome,
  type PreflightSummary,
} from '../phases/preflight/service.js';

export interface PreflightView {
  checks: CheckResult[];
  summary: PreflightSummary;
  increases: IncreaseOutcome[];
}

const AREA_TITLES: Record<(typeof CHECK_AREAS)[number], string> = {
  tools: 'Tools',
  identity: 'Identity',
  region: 'Region',
  network: 'Network',
  dns: 'DNS and TLS',
  cdk: 'CDK bootstrap',
  eks: 'EKS',
  audit: 'Audit logging',
  quotas: 'Service quotas',
  capacity: 'Capacity fit',
  state: 'State bucket',
};

function label(check: CheckResult): string {
  if (check.unchecked) return 'UNKNOWN';
  return check.status.toUpperCase();
}

function paint(style: ChalkInstance | undefined, status: CheckStatus, text: string): string {
  if (!style) return text;
  return status === 'pass' ? style.green(text) : status === 'warn' ? style.yellow(text) : style.red(text);
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** The terminal table. `width` is the terminal width (messages are cut to fit; fixes wrap onto their own line). */
export function renderPreflightTable(
  view: PreflightView,
  options: { style?: ChalkInstance; width?: number } = {},
): string {
  const width = Math.max(80, options.width ?? 120);
  const lines: string[] = [];
  for (const area of CHECK_AREAS) {
    const rows = view.checks.filter((c) => c.area === area);
    if (rows.length === 0) continue;
    lines.push('', options.style ? options.style.bold(AREA_TITLES[area]) : AREA_TITLES[area]);
    const idW = Math.min(40, Math.max(...rows.map((r) => r.id.length)));
    const reqW = Math.min(28, Math.max(8, ...rows.map((r) => (r.required ?? '').length)));
    const curW = Math.min(34, Math.max(7, ...rows.map((r) => (r.current ?? '').length)));
    const codeW = area === 'quotas' ? Math.max(...rows.map((r) => (r.quotaCode ?? '').length)) : 0;
    lines.push(
      `  ${'STATUS'.padEnd(8)}${'CHECK'.padEnd(idW + 2)}${'REQUIRED'.padEnd(reqW + 2)}${'CURRENT'.padEnd(curW + 2)}${codeW ? 'CODE'.padEnd(codeW + 2) : ''}`,
    );
    for (const r of rows) {
      const status = paint(options.style, r.status, label(r).padEnd(8));
      const lead = `${truncate(r.id, idW).padEnd(idW + 2)}${truncate(r.required ?? '', reqW).padEnd(reqW + 2)}${truncate(r.current ?? '', curW).padEnd(curW + 2)}${codeW ? (r.quotaCode ?? '').padEnd(codeW + 2) : ''}`;
      lines.push(`  ${status}${lead}`);
      lines.push(`          ${truncate(r.message, width - 10)}`);
      if (r.status !== 'pass' && r.fix)
        lines.push(`          ${options.style ? options.style.cyan('fix:') : 'fix:'} ${r.fix}`);
    }
  }
  lines.push(...renderIncreases(view.increases), '', summaryLine(view.summary), '');
  return lines.join('\n');
}

/** Plain lines for CI logs: one per check, then the fix on an indented line. */
export function renderPreflightLines(view: PreflightView): string {
  const lines: string[] = [];
  for (const r of view.checks) {
    const parts = [label(r), r.area, r.id];
    if (r.required) parts.push(`required=${JSON.stringify(r.required)}`);
    if (r.current) parts.push(`current=${JSON.stringify(r.current)}`);
    if (r.quotaCode) parts.push(`code=${r.quotaCode}`);
    lines.push(`${parts.join(' ')} — ${r.message}`);
    if (r.status !== 'pass' && r.fix) lines.push(`    fix: ${r.fix}`);
  }
  lines.push(...renderIncreases(view.increases), summaryLine(view.summary), '');
  return lines.join('\n');
}

function renderIncreases(increases: IncreaseOutcome[]): string[] {
  if (increases.length === 0) return [];
  return [
    '',
    'Quota increase requests',
    ...increases.map(
      (i) => `  ${i.action.toUpperCase().padEnd(15)}${i.message}${i.requestId ? ` [request ${i.requestId}]` : ''}`,
    ),
  ];
}

export function summaryLine(s: PreflightSummary): string {
  const verdict =
    s.exitCode === 0
      ? 'ready'
      : s.exitCode === 1
        ? `${s.criticalFailures} critical check${s.criticalFailures === 1 ? '' : 's'} failed`
        : `${s.unchecked} check${s.unchecked === 1 ? '' : 's'} could not be carried out`;
  return `Preflight: ${s.pass} passed, ${s.warn} warnings, ${s.fail} failed — ${verdict}.`;
}
