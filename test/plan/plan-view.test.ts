import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { estimateCost } from '../../src/phases/plan/cost.js';
import { diagramSummary } from '../../src/phases/plan/diagram.js';
import { planNotes, type PlanResult } from '../../src/phases/plan/service.js';
import { loadPriceTable } from '../../src/phases/plan/pricing.js';
import { renderPlan } from '../../src/ui/plan-view.js';
import { MIN_WRAP_WIDTH, renderTable } from '../../src/ui/table.js';
import { testConfig } from '../day0/fakes.js';

describe('plan view', () => {
  it('shows stacks, both monthly totals with the price date, the diagram file and the diff', async () => {
    const config = testConfig('mvp-500');
    const cost = estimateCost(config, await loadPriceTable('us-east-1', new RecordingHost()));
    const result: PlanResult = {
      deployment: 'acme',
      profile: 'mvp-500',
      region: 'us-east-1',
      assemblyDirectory: '/state/acme/cdk.out',
      stacks: [
        { name: 'acme-network', region: 'us-east-1', resources: 40, resourceTypes: {} },
        { name: 'acme-edge', region: 'us-east-1', resources: 9, resourceTypes: {} },
      ],
      totalResources: 49,
      cost: { ...cost, pricing: 'table', pricingRequested: 'table' },
      diagramPath: '/state/acme/architecture.mmd',
      diagramSummary: diagramSummary(config),
      notes: planNotes(
        testConfig('mvp-500', 'cluster: {endpointAccess: {mode: public-and-private, publicCidrs: [0.0.0.0/0]}}\n'),
      ),
      diff: {
        available: true,
        stacks: [
          {
            stack: 'acme-network',
            deployed: true,
            differences: 1,
            resources: [{ logicalId: 'FlowLog', resourceType: 'AWS::EC2::FlowLog', change: 'add' }],
            permissionsBroadened: false,
          },
          { stack: 'acme-edge', deployed: false },
        ],
      },
    };
    const text = renderPlan(result);
    expect(text).toMatch(/acme-network\s+us-east-1\s+40/);
    expect(text).toMatch(/total\s+49/);
    expect(text).toContain(`bundled price table of ${cost.tableDate}`);
    expect(text).toMatch(/Total\s+\$20,895\.37\s+\$11,383\.99/);
    expect(text).toContain('$2.4192/h');
    expect(text).toContain('Architecture (Mermaid): /state/acme/architecture.mmd');
    expect(text).toContain('  + AWS::EC2::FlowLog FlowLog');
    expect(text).toContain('acme-edge: not deployed (would be created)');
    expect(text).toMatch(/! WARNING: EKS API endpoint is public to the whole internet \(0\.0\.0\.0\/0/);
    expect(text).toContain('· CloudTrail: a multi-Region trail of management events is created');
  });
});

describe('plan view at the terminal width', () => {
  const scale = async (): Promise<PlanResult> => {
    const config = testConfig('scale-3000');
    const cost = estimateCost(config, await loadPriceTable('us-east-1', new RecordingHost()));
    return {
      deployment: 'acme',
      profile: 'scale-3000',
      region: 'us-east-1',
      assemblyDirectory: '/s/cdk.out',
      stacks: [{ name: 'acme-network', region: 'us-east-1', resources: 40, resourceTypes: {} }],
      totalResources: 40,
      cost: { ...cost, pricing: 'table', pricingRequested: 'table' },
      diagramPath: '/s/architecture.mmd',
      diagramSummary: diagramSummary(config),
      notes: [],
    };
  };
  const costTable = (text: string): string[] => {
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.startsWith('Item'));
    return lines.slice(start, lines.findIndex((l, i) => i > start && l.startsWith('Total')) + 1);
  };

  it('scale-3000’s cost table is wider than 120 columns untouched, and fits 80 and 120 without cutting a number', async () => {
    const result = await scale();
    const natural = renderPlan(result);
    expect(Math.max(...costTable(natural).map((l) => l.length))).toBeGreaterThan(120);
    const amounts = [...new Set(natural.match(/\$[\d,]+\.\d+(\/h|\/mo)?/g))];
    for (const width of [80, 120]) {
      const fitted = renderPlan(result, { width });
      for (const line of costTable(fitted)) expect(line.length, line).toBeLessThanOrEqual(width);
      for (const amount of amounts) expect(fitted).toContain(amount); // every figure whole, on one line
      for (const line of fitted.split('\n').filter((l) => !l.startsWith('Plan for')))
        expect(line.length, line).toBeLessThanOrEqual(width);
    }
  });

  it('renderTable: every line fits, nothing but the wrapped column moves, and its words survive (property)', () => {
    const word = fc.stringMatching(/^[a-z0-9×()-]{1,14}$/);
    const cell = fc.array(word, { minLength: 1, maxLength: 8 }).map((w) => w.join(' '));
    const number = fc.integer({ min: 0, max: 10_000_000 }).map((n) => `$${n.toLocaleString('en-US')}.00`);
    const rows = fc.array(fc.tuple(cell, number, number), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(rows, fc.integer({ min: 0, max: 120 }), (table, extra) => {
        const others = Math.max(...table.map((r) => r[1].length)) + Math.max(...table.map((r) => r[2].length)) + 4;
        const width = others + MIN_WRAP_WIDTH + extra;
        const lines = renderTable(table, { alignRight: [1, 2], width });
        for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
        for (const r of table) {
          expect(lines.some((l) => l.endsWith(r[2]) && l.includes(r[1]))).toBe(true);
        }
        const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);
        const firstWidth = Math.max(...lines.map((l) => l.length)) - others;
        const firstColumn = lines.map((l) => l.slice(0, firstWidth).trim()).join(' ');
        expect(words(firstColumn).join('')).toBe(table.map((r) => words(r[0]).join('')).join(''));
      }),
    );
  });
});
