import { describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { estimateCost } from '../../src/phases/plan/cost.js';
import { diagramSummary } from '../../src/phases/plan/diagram.js';
import { planNotes, type PlanResult } from '../../src/phases/plan/service.js';
import { loadPriceTable } from '../../src/phases/plan/pricing.js';
import { renderPlan } from '../../src/ui/plan-view.js';
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
      cost: { ...cost, pricing: 'table' },
      diagramPath: '/state/acme/architecture.mmd',
      diagramSummary: diagramSummary(config),
      notes: planNotes(testConfig('mvp-500', 'cluster: {endpointAccess: {mode: public-and-private, publicCidrs: [0.0.0.0/0]}}\n')),
      diff: {
        available: true,
        stacks: [
          { stack: 'acme-network', deployed: true, differences: 1, resources: [{ logicalId: 'FlowLog', resourceType: 'AWS::EC2::FlowLog', change: 'add' }], permissionsBroadened: false },
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
