import { describe, expect, it } from 'vitest';
import { computeCapacityFit } from '../../src/sizing/capacity.js';
import { profileConfig } from './fixtures.js';

const statuses = (fit: ReturnType<typeof computeCapacityFit>) =>
  Object.fromEntries(fit.findings.map((f) => [f.id, f.status]));

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
    expect(statuses(fit)).toEqual({
      'capacity-requests': 'pass',
      'capacity-overcommit': 'pass',
      'capacity-pods-per-node': 'pass',
      'capacity-volume-slots': 'pass',
    });
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
    const asPods = {
      'datasci-standard': { template: 'pod-swdev' },
      'datasci-large': { template: 'pod-swdev' },
      'datasci-xlarge': { template: 'pod-swdev' },
    } as const;
    // At the profile's ratio (CPU 0.13, memory 0.24) every size schedules: datasci-xlarge asks
    // 32 × 0.13 = 4.16 vCPU of 7.91 and 64 GiB × 0.24 = 15.36 GiB of 28.63 — but none can reach its limits.
    const overcommitted = computeCapacityFit(profileConfig('scale-3000', { workspaces: { sizes: asPods } }));
    expect(overcommitted.unschedulable).toEqual([]);
    const o = statuses(overcommitted);
    for (const size of ['datasci-standard', 'datasci-large', 'datasci-xlarge'])
      expect(o[`capacity-size-${size}`]).toBe('warn');
    // 3,000 workspaces: CPU limits 10,500 + 180×8 + 90×16 + 30×32 = 14,340 → × 0.13 = 1,864.2 > 1,582
    expect(overcommitted.podWorkspaces).toBe(3000);
    expect(overcommitted.requests.cpu).toBe(1864.2);
    expect(o['capacity-requests']).toBe('fail');

    // With requests = limits (Guaranteed QoS) a size above the node's 7.91 allocatable vCPU fits no node:
    // sw-dev-large and datasci-standard (8), datasci-large (16), datasci-xlarge (32).
    const guaranteed = computeCapacityFit(
      profileConfig('scale-3000', { workspaces: { sizes: asPods, requestsToLimits: { cpu: 1, memory: 1 } } }),
    );
    expect([...guaranteed.unschedulable].sort()).toEqual([
      'datasci-large',
      'datasci-standard',
      'datasci-xlarge',
      'sw-dev-large',
    ]);
    const g = statuses(guaranteed);
    for (const size of guaranteed.unschedulable) expect(g[`capacity-size-${size}`]).toBe('fail');
    expect(g['capacity-size-sw-dev-medium']).toBeUndefined();
  });

  it('warns above the configured over-commit', () => {
    const fit = computeCapacityFit(
      profileConfig('mvp-500', { workspaces: { maxOvercommit: { cpu: 2.5, memory: 1.6 } } }),
    );
    expect(fit.findings.find((f) => f.id === 'capacity-overcommit')).toMatchObject({
      status: 'warn',
      current: '2.77× CPU, 1.52× memory',
    });
  });
});

describe('pods and EBS attachment slots per node', () => {
  const finding = (fit: ReturnType<typeof computeCapacityFit>, id: string) => fit.findings.find((f) => f.id === id)!;
  const onT3 = (concurrent: number) =>
    profileConfig('mvp-500', {
      workspaces: { concurrent },
      cluster: { nodeGroups: { 'coder-ws': { instanceTypes: ['t3.medium'] } } },
    });

  it('fails pods per node when small workspaces crowd a t3.medium past its 17 max pods, volumes still fit', () => {
    // t3.medium: 3 ENIs × (6 − 1) + 2 = 17 max pods; 28 shared slots − 1 root − 3 ENIs = 24 volume slots
    // 240 workspaces (60 + 144 + 36) / 20 nodes = 12 + 5 DaemonSets = 17 ≤ 17: fits exactly
    const edge = computeCapacityFit(onT3(240));
    expect(edge.perNode).toEqual({ workspaces: 12, pods: 17, maxPods: 17, volumeSlots: 24 });
    expect(finding(edge, 'capacity-pods-per-node').status).toBe('pass');
    // 241 → 61 + 145 + 37 = 243 workspaces; ceil(243 / 20) = 13 + 5 = 18 > 17
    const over = computeCapacityFit(onT3(241));
    expect(over.podWorkspaces).toBe(243);
    expect(over.perNode).toEqual({ workspaces: 13, pods: 18, maxPods: 17, volumeSlots: 24 });
    expect(finding(over, 'capacity-pods-per-node')).toMatchObject({
      status: 'fail',
      critical: true,
      required: '18 pods',
      current: '17 max pods',
      message: '243 workspaces over 20 nodes = 13 per node + 5 DaemonSet pods = 18 of 17 max pods',
      fix: expect.stringContaining('prefix delegation'),
    });
    expect(finding(over, 'capacity-volume-slots').status).toBe('pass');
  });

  it('fails EBS attachment slots when more volumes than 31 land on one m7i.12xlarge, pods still fit', () => {
    // m7i.12xlarge: 32 dedicated EBS slots − 1 root = 31; 620 workspaces / 20 nodes = 31 volumes: fits exactly
    const edge = computeCapacityFit(profileConfig('mvp-500', { workspaces: { concurrent: 620 } }));
    expect(edge.perNode).toEqual({ workspaces: 31, pods: 36, maxPods: 234, volumeSlots: 31 });
    expect(finding(edge, 'capacity-volume-slots').status).toBe('pass');
    // 1,000 workspaces (250 + 600 + 150) / 20 = 50 volumes per node > 31 slots; 55 pods ≤ 234
    const over = computeCapacityFit(profileConfig('mvp-500', { workspaces: { concurrent: 1000 } }));
    expect(over.perNode).toEqual({ workspaces: 50, pods: 55, maxPods: 234, volumeSlots: 31 });
    expect(finding(over, 'capacity-volume-slots')).toMatchObject({
      status: 'fail',
      critical: true,
      required: '50 volumes per node',
      current: '31 EBS slots',
      message: '50 workspace volumes per node against 31 EBS attachment slots (m7i.12xlarge)',
    });
    expect(finding(over, 'capacity-pods-per-node').status).toBe('pass');
  });

  it('shared Nitro slots: m5.2xlarge loses the root and its 4 ENIs, 24 volumes per node fail', () => {
    // scale-3000 at 4,400 concurrent: pod sizes are 90 % → 1,100 + 1,980 + 440 + 440 = 3,960 over 200 nodes = 19.8 → 20 ≤ 23
    const fits = computeCapacityFit(profileConfig('scale-3000', { workspaces: { concurrent: 4400 } }));
    expect(fits.perNode).toMatchObject({ workspaces: 20, volumeSlots: 23 });
    expect(finding(fits, 'capacity-volume-slots').status).toBe('pass');
    // 5,200 concurrent → 1,300 + 2,340 + 520 + 520 = 4,680 / 200 = 23.4 → 24 > 28 − 1 − 4 = 23
    const over = computeCapacityFit(profileConfig('scale-3000', { workspaces: { concurrent: 5200 } }));
    expect(over.perNode).toEqual({ workspaces: 24, pods: 29, maxPods: 58, volumeSlots: 23 });
    expect(finding(over, 'capacity-volume-slots')).toMatchObject({
      status: 'fail',
      current: '23 EBS slots',
      message: expect.stringContaining('(m5.2xlarge)'),
    });
  });
});
