import { describe, expect, it } from 'vitest';
import { computeCapacityFit } from '../../src/sizing/capacity.js';
import { profileConfig } from './fixtures.js';

const statuses = (fit: ReturnType<typeof computeCapacityFit>) => Object.fromEntries(fit.findings.map((f) => [f.id, f.status]));

describe('computeCapacityFit', () => {
  it('mvp-500: 500 pod workspaces on 20 × m7i.12xlarge', () => {
    const fit = computeCapacityFit(profileConfig('mvp-500'));
    // allocatable per node 47,810m / 178,933Mi; × 20 = 956.2 vCPU, 3,578,660 Mi = 3,494.79 GiB
    expect(fit.allocatable).toMatchObject({ cpu: 956.2, memoryGiB: 3494.79 });
    // limits 125×2 + 300×4 + 75×16 = 2,650 vCPU; 125×4 + 300×8 + 75×32 = 5,300 GiB
    expect(fit.limits).toEqual({ cpu: 2650, memoryGiB: 5300 });
    // requests 2,650 × 0.35 = 927.5 ≤ 956.2; 5,300 × 0.65 = 3,445 ≤ 3,494.79
    expect(fit.requests).toEqual({ cpu: 927.5, memoryGiB: 3445 });
    // 2,650 / 956.2 = 2.77×; 5,300 / 3,494.79 = 1.52× (max 3× / 1.6×)
    expect(fit.overcommit).toEqual({ cpu: 2.77, memory: 1.52 });
    // 500 / 20 = 25 workspaces + 5 DaemonSets = 30 of 234 pods; 25 volumes of 31 slots
    expect(fit.perNode).toEqual({ workspaces: 25, pods: 30, maxPods: 234, volumeSlots: 31 });
    expect(fit.unschedulable).toEqual([]);
    expect(statuses(fit)).toEqual({ 'capacity-requests': 'pass', 'capacity-overcommit': 'pass', 'capacity-pods-per-node': 'pass', 'capacity-volume-slots': 'pass' });
  });

  it('scale-3000: pod sizes only, the fallback group adds no capacity beyond the Spot maximum', () => {
    const fit = computeCapacityFit(profileConfig('scale-3000'));
    // coder-ws 200 nodes + coder-ws-ondemand max(0, 20 − 200) = 0
    expect(fit.nodes).toBe(200);
    // 200 × 7,910m = 1,582 vCPU; 200 × 29,317 Mi = 5,725.98 GiB
    expect(fit.allocatable).toMatchObject({ cpu: 1582, memoryGiB: 5725.98 });
    // pod sizes 750 small + 1,350 medium + 300 large + 300 platform = 2,700 (the 300 data-science are EC2)
    expect(fit.podWorkspaces).toBe(2700);
    // 750×2 + 1,350×4 + 300×8 + 300×4 = 10,500 vCPU; 750×4 + 1,350×8 + 300×16 + 300×8 = 21,000 GiB
    expect(fit.limits).toEqual({ cpu: 10500, memoryGiB: 21000 });
    // × 0.13 = 1,365 ≤ 1,582; × 0.24 = 5,040 ≤ 5,725.98
    expect(fit.requests).toEqual({ cpu: 1365, memoryGiB: 5040 });
    expect(fit.overcommit).toEqual({ cpu: 6.64, memory: 3.67 });
    // ceil(2,700 / 200) = 14 + 5 = 19 of 58 pods; 14 volumes of 28 − 1 root − 4 ENIs = 23 slots
    expect(fit.perNode).toEqual({ workspaces: 14, pods: 19, maxPods: 58, volumeSlots: 23 });
    // sw-dev-large (8 vCPU) schedules at 1.04 vCPU requests but its limit exceeds the node's 7.91 vCPU
    expect(statuses(fit)).toMatchObject({ 'capacity-requests': 'pass', 'capacity-size-sw-dev-large': 'warn' });
    expect(fit.unschedulable).toEqual([]);
  });

  it('names the data-science sizes that no m5.2xlarge can schedule when built as pods', () => {
    const asPods = { 'datasci-standard': { template: 'pod-swdev' }, 'datasci-large': { template: 'pod-swdev' }, 'datasci-xlarge': { template: 'pod-swdev' } } as const;
    // At the profile's ratio (CPU 0.13, memory 0.24) every size schedules: datasci-xlarge asks
    // 32 × 0.13 = 4.16 vCPU of 7.91 and 64 GiB × 0.24 = 15.36 GiB of 28.63 — but none can reach its limits.
    const overcommitted = computeCapacityFit(profileConfig('scale-3000', { workspaces: { sizes: asPods } }));
    expect(overcommitted.unschedulable).toEqual([]);
    const o = statuses(overcommitted);
    for (const size of ['datasci-standard', 'datasci-large', 'datasci-xlarge']) expect(o[`capacity-size-${size}`]).toBe('warn');
    // 3,000 workspaces: CPU limits 10,500 + 180×8 + 90×16 + 30×32 = 14,340 → × 0.13 = 1,864.2 > 1,582
    expect(overcommitted.podWorkspaces).toBe(3000);
    expect(overcommitted.requests.cpu).toBe(1864.2);
    expect(o['capacity-requests']).toBe('fail');

    // With requests = limits (Guaranteed QoS) a size above the node's 7.91 allocatable vCPU fits no node:
    // sw-dev-large and datasci-standard (8), datasci-large (16), datasci-xlarge (32).
    const guaranteed = computeCapacityFit(profileConfig('scale-3000', { workspaces: { sizes: asPods, requestsToLimits: { cpu: 1, memory: 1 } } }));
    expect([...guaranteed.unschedulable].sort()).toEqual(['datasci-large', 'datasci-standard', 'datasci-xlarge', 'sw-dev-large']);
    const g = statuses(guaranteed);
    for (const size of guaranteed.unschedulable) expect(g[`capacity-size-${size}`]).toBe('fail');
    expect(g['capacity-size-sw-dev-medium']).toBeUndefined();
  });

  it('warns above the configured over-commit', () => {
    const fit = computeCapacityFit(profileConfig('mvp-500', { workspaces: { maxOvercommit: { cpu: 2.5, memory: 1.6 } } }));
    expect(fit.findings.find((f) => f.id === 'capacity-overcommit')).toMatchObject({ status: 'warn', current: '2.77× CPU, 1.52× memory' });
  });
});
