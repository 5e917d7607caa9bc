/** How `coder-platform plan` is shown to a person: stacks, the cost table with its price date, the diagram summary, the diff. */
import type { PlanResult } from '../phases/plan/service.js';
import { renderTable, wrapText } from './table.js';

const money = (n: number, currency: string, decimals = 2) =>
  `${currency === 'USD' ? '$' : `${currency} `}${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: decimals })}`;

export interface PlanViewOptions {
  /** Terminal columns: tables and notes are fitted to them. Undefined (CI, pipes): natural widths, as before. */
  width?: number | undefined;
}

export function renderPlan(result: PlanResult, options: PlanViewOptions = {}): string {
  const width = options.width;
  const table = (rows: string[][], alignRight: number[] = []): string[] => renderTable(rows, { alignRight, width });
  const out: string[] = [];
  out.push(
    `Plan for ${result.deployment} (${result.profile}, ${result.region}) — assembly in ${result.assemblyDirectory}`,
    '',
  );
  out.push(
    ...table(
      [
        ['Stack', 'Region', 'Resources'],
        ...result.stacks.map((s) => [s.name, s.region, String(s.resources)]),
        ['total', '', String(result.totalResources)],
      ],
      [2],
    ),
    '',
  );

  const c = result.cost;
  const prices =
    c.pricing === 'live'
      ? 'live EC2 prices'
      : c.pricingRequested === 'live'
        ? 'bundled price table (live prices unavailable)'
        : 'bundled price table';
  out.push(`Estimated monthly cost (${prices} of ${c.tableDate}, ${c.currency})`);
  out.push(
    ...table(
      [
        ['Item', 'Quantity', 'Unit price', '24×7', 'With schedule'],
        ...c.lines.map((l) => [
          l.item,
          `${l.quantity} ${l.unit}`,
          `${money(l.unitPrice, c.currency, 4)}/${l.per === 'hour' ? 'h' : 'mo'}`,
          money(l.monthly24x7, c.currency),
          money(l.monthlyScheduled, c.currency),
        ]),
        ['Total', '', '', money(c.monthly24x7, c.currency), money(c.monthlyWithSchedule, c.currency)],
      ],
      [2, 3, 4],
    ),
  );
  const saving = c.monthly24x7 > 0 ? Math.round((1 - c.monthlyWithSchedule / c.monthly24x7) * 100) : 0;
  out.push(`The business-hours schedule saves about ${saving} % (${c.peakHoursPerMonth} peak hours a month).`);
  for (const a of c.assumptions) {
    if (width === undefined) out.push(`  · ${a}`);
    else out.push(...wrapText(a, Math.max(20, width - 4)).map((l, i) => `${i === 0 ? '  · ' : '    '}${l}`));
  }
  const indented = (text: string): string[] =>
    width === undefined
      ? [`  ${text}`]
      : wrapText(text, Math.max(20, width - 4)).map((l, i) => `${i === 0 ? '  ' : '    '}${l}`);
  out.push('', `Architecture (Mermaid): ${result.diagramPath}`, ...result.diagramSummary.flatMap(indented));
  if (result.notes.length > 0)
    out.push(
      '',
      'Notes',
      ...result.notes.flatMap((n) => indented(`${n.level === 'warn' ? '! WARNING: ' : '· '}${n.message}`)),
    );

  if (result.diff) {
    out.push('');
    if (!result.diff.available) out.push(`Diff: ${result.diff.note ?? 'not available'}`);
    for (const d of result.diff.stacks) {
      if (!d.deployed) {
        out.push(`${d.stack}: not deployed (would be created)`);
        continue;
      }
      out.push(
        `${d.stack}: ${d.differences ?? 0} difference${d.differences === 1 ? '' : 's'}${d.permissionsBroadened ? ', broadens permissions' : ''}`,
      );
      for (const r of d.resources ?? [])
        out.push(
          `  ${r.change === 'add' ? '+' : r.change === 'remove' ? '-' : '~'} ${r.resourceType} ${r.logicalId}${r.replacement ? ' (replace)' : ''}`,
        );
    }
  }
  return `${out.join('\n')}\n`;
}

/** The plan as Markdown, for a CI job summary (`plan --summary-file "$GITHUB_STEP_SUMMARY"`). */
export function renderPlanMarkdown(result: PlanResult): string {
  const c = result.cost;
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const out = [`### coder-platform plan: ${esc(result.deployment)} (${result.profile}, ${result.region})`, ''];
  out.push('| Stack | Region | Resources |', '|---|---|---:|');
  for (const s of result.stacks) out.push(`| ${esc(s.name)} | ${s.region} | ${s.resources} |`);
  out.push(`| **total** | | **${result.totalResources}** |`, '');
  out.push(
    `Estimated monthly cost (${c.pricing === 'live' ? 'live EC2 prices' : 'bundled price table'} of ${c.tableDate}): **${money(c.monthly24x7, c.currency)}** 24×7, **${money(c.monthlyWithSchedule, c.currency)}** with the business-hours schedule.`,
    '',
  );
  // The same notes as the terminal view: a world-open API endpoint must be visible on the pull request too.
  for (const n of result.notes) out.push(`- ${n.level === 'warn' ? '**Warning:** ' : ''}${esc(n.message)}`);
  if (result.notes.length > 0) out.push('');
  if (result.diff) {
    if (!result.diff.available) out.push(`Diff: ${esc(result.diff.note ?? 'not available')}`, '');
    else {
      out.push('| Stack | Change |', '|---|---|');
      for (const d of result.diff.stacks) {
        const change = !d.deployed
          ? 'not deployed (would be created)'
          : `${d.differences ?? 0} difference${d.differences === 1 ? '' : 's'}${d.permissionsBroadened ? ', **broadens permissions**' : ''}`;
        out.push(`| ${esc(d.stack)} | ${change} |`);
      }
      out.push('');
      const changed = result.diff.stacks.flatMap((d) =>
        (d.resources ?? []).map(
          (r) =>
            `${r.change === 'add' ? '+' : r.change === 'remove' ? '-' : '~'} ${d.stack} ${r.resourceType} ${r.logicalId}${r.replacement ? ' (replace)' : ''}`,
        ),
      );
      if (changed.length > 0)
        out.push(
          '<details><summary>Resource changes</summary>',
          '',
          '```diff',
          ...changed,
          '```',
          '',
          '</details>',
          '',
        );
    }
  }
  return `${out.join('\n')}\n`;
}
