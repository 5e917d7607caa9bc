import { describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { estimateCost } from '../../src/phases/plan/cost.js';
import type { PlanResult } from '../../src/phases/plan/service.js';
import { loadPriceTable } from '../../src/phases/plan/pricing.js';
import { renderPlanMarkdown } from '../../src/ui/plan-view.js';
import { testConfig } from '../day0/fakes.js';

describe('plan --summary-file (Markdown for a CI job summary)', () => {
  it('tables the stacks and the diff, states both monthly totals, lists resource changes', async () => {
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
      diagramSummary: [],
      notes: [],
      diff: {
        available: true,
        stacks: [
          {
            stack: 'acme-network',
            deployed: true,
            differences: 2,
            resources: [
              { logicalId: 'FlowLog', resourceType: 'AWS::EC2::FlowLog', change: 'add' },
              { logicalId: 'Nat', resourceType: 'AWS::EC2::NatGateway', change: 'update', replacement: true },
            ],
            permissionsBroadened: true,
          },
          { stack: 'acme-edge', deployed: false },
        ],
      },
    };
    const md = renderPlanMarkdown(result);
    expect(md).toContain('### coder-platform plan: acme (mvp-500, us-east-1)');
    expect(md).toContain('| acme-network | us-east-1 | 40 |');
    expect(md).toContain('| **total** | | **49** |');
    expect(md).toContain(
      `bundled price table of ${cost.tableDate}): **$20,895.37** 24×7, ` +
        '**$11,383.99** with the business-hours schedule.',
    );
    expect(md).toContain('| acme-network | 2 differences, **broadens permissions** |');
    expect(md).toContain('| acme-edge | not deployed (would be created) |');
    expect(md).toContain(
      '```diff\n+ acme-network AWS::EC2::FlowLog FlowLog\n~ acme-network AWS::EC2::NatGateway Nat (replace)\n```',
    );
    expect(renderPlanMarkdown({ ...result, diff: undefined })).not.toContain('| Stack | Change |');
    expect(renderPlanMarkdown({ ...result, diff: { available: false, note: 'no credentials', stacks: [] } })).toContain(
      'Diff: no credentials',
    );
  });
});
