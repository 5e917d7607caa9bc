/**
 * Human output of the day-2 commands (the `--json` output is the typed result itself).
 */
import type { RestoreTestResult } from '../phases/day2/restore-test/service.js';
import type { UpgradeOutcome as UpgradeResult } from '../phases/day2/upgrade/service.js';
import type { ScheduleView, SetScheduleResult } from '../phases/day2/scale-schedule/service.js';
import { createStyle } from './style.js';

const style = createStyle();
const ok = (passed: boolean): string => (passed ? style.green('PASS') : style.red('FAIL'));

export function renderRestoreTest(r: RestoreTestResult): string {
  if (r.report === null) return r.phase.status === 'planned' ? '' : `Restore test ${r.phase.status}.`;
  const rep = r.report;
  const lines = [
    style.bold(`Restore test ${rep.passed ? style.green('passed') : style.red('failed')} — ${rep.deployment}`),
    ...(rep.failure ? [`  stopped at      ${rep.failure.stepId}: ${rep.failure.error}`] : []),
    `  restore point   ${rep.restorePoint.time ?? '-'} (${rep.restorePoint.mode ?? '-'}${rep.restorePoint.snapshotIdentifier ? `, ${rep.restorePoint.snapshotIdentifier}` : ''})`,
    `  Coder           ${rep.versions.coder ?? 'unknown'}`,
    `  RTO             ${rep.objectives.rto.achievedMinutes ?? '-'} min of ${rep.objectives.rto.targetMinutes}  ${ok(rep.objectives.rto.passed)}`,
    `  RPO             ${rep.objectives.rpo.achievedMinutes ?? '-'} min of ${rep.objectives.rpo.targetMinutes}  ${ok(rep.objectives.rpo.passed)}`,
    `  migration       copy ${rep.versions.migrationRestored ?? '-'}, live ${rep.versions.migrationLive ?? '-'}`,
    '',
    ...rep.checks.map((c) => `  ${ok(c.passed)}  ${c.title}: ${c.detail}`),
    '',
    `  report          ${r.files?.markdown ?? ''}`,
    ...r.uploaded.map((u) => `  uploaded        ${u}`),
  ];
  return lines.join('\n');
}

export function renderUpgrade(r: UpgradeResult): string {
  if (r.phase.status === 'planned') return '';
  const lines = [style.bold(`Upgrade ${r.phase.status}`)];
  if (r.coder)
    lines.push(
      `  Coder        ${r.coder.from} → ${r.coder.to}${r.snapshotId ? `  (pre-upgrade snapshot ${r.snapshotId})` : ''}`,
    );
  if (r.kubernetes) lines.push(`  Kubernetes   ${r.kubernetes.from} → ${r.kubernetes.to}`);
  for (const a of r.addons) lines.push(`  add-on       ${a}`);
  if (r.configUpdated.length > 0)
    lines.push(`  config       ${r.configUpdated.join(', ')} updated in the configuration file`);
  return lines.join('\n');
}

export function renderScheduleView(v: ScheduleView): string {
  const lines = [
    style.bold(
      `Scale schedule ${!v.enabled ? '(disabled in the configuration)' : v.suspended ? style.yellow(`SUSPENDED${v.suspendedUntil ? ` until ${v.suspendedUntil}` : ''}`) : 'active'}`,
    ),
    `  up ${v.scaleUp}, down ${v.scaleDown}, ${v.weekdays.join(',')} (${v.timezone})`,
    '',
    v.live ? '  Schedules' : '  Schedules (live state not read: no AWS credentials or no deployment)',
    ...v.schedules.map(
      (s) =>
        `    ${s.name.padEnd(34)} ${s.state.padEnd(9)} ${s.expression} ${s.timezone ?? 'UTC'}  ${s.nodegroup ?? '?'} min ${s.minSize ?? '-'}${s.desiredAtLeast === null ? '' : ` desired ≥ ${s.desiredAtLeast}`}${s.drift ? style.yellow('  (differs from the config)') : ''}`,
    ),
    '',
    `  Node groups            min  desired  max   peak  off-hours  desired after scale-up${v.live ? '' : '   (as configured)'}`,
    ...v.nodeGroups.map(
      (g) =>
        `    ${g.configName.padEnd(20)} ${String(g.minSize ?? '-').padStart(3)}  ${String(g.desiredSize ?? '-').padStart(7)}  ${String(g.maxSize ?? '-').padStart(3)}   ${String(g.peak ?? '-').padStart(4)}  ${String(g.offHours ?? '-').padStart(9)}  ${String(g.desiredAfterScaleUp ?? '-').padStart(22)}`,
    ),
    '  (the scale-up sets min to the peak and desired to max(current, peak); the scale-down lowers only min)',
    '',
    `  Next transitions (${v.timezone} | ${v.userTimezone})`,
    ...(v.next.length === 0
      ? ['    none while suspended or disabled']
      : v.next.map(
          (t) =>
            `    ${t.kind.padEnd(10)} ${t.schedule.local} ${t.schedule.offset.padEnd(7)} | ${t.user.local} ${t.user.offset}${t.repeatedHour ? '  (this local time occurs twice today; it runs once)' : ''}`,
        )),
  ];
  if (v.runningWorkspaces !== null) lines.push('', `  Running workspaces: ${v.runningWorkspaces}`);
  for (const w of v.warnings) lines.push(style.yellow(`  ! ${w}`));
  return lines.join('\n');
}

export function renderScheduleChange(r: SetScheduleResult): string {
  if (r.phase.status === 'planned')
    return r.changed.length === 0 ? '' : `Would change ${r.changed.join(', ')} in the configuration.`;
  const what =
    r.changed.length === 0
      ? 'The configuration already says that'
      : `Changed ${r.changed.join(', ')} in the configuration`;
  const deployed = r.deployed
    ? ' and redeployed the schedule stack'
    : r.changed.length === 0
      ? ', and the live schedules match it'
      : '';
  return [
    `${what}${deployed}.`,
    `  up ${r.schedule.scaleUp}, down ${r.schedule.scaleDown}, ${r.schedule.weekdays.join(',')} (${r.schedule.timezone})`,
  ].join('\n');
}
