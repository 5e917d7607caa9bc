/**
 * Property test of the quota bill (src/sizing/quota-bill.ts) for generated configs: node groups with mixed
 * instance types (sizes and quota buckets), both capacity types, any maxSize and maxUnavailable, any
 * concurrency, EC2 workspace sizes on any instance type and any buffer. Each vCPU line, the nodes-per-group
 * line and the gp3 line are recomputed in plain integer arithmetic (aws-quotas.md §2.2–§2.4) and compared.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CoderPlatformConfig, NodeGroupConfig } from '../../src/config/schema.js';
import { computeQuotaBill } from '../../src/sizing/quota-bill.js';
import { INSTANCE_TYPES } from '../../src/sizing/instance-types.js';
import { profileConfig } from './fixtures.js';

const RUNS = 400;

/** vCPU by type, read from the offline table; bucket by family, written out here independently. */
const VCPU: Record<string, number> = Object.fromEntries(Object.values(INSTANCE_TYPES).map((t) => [t.name, t.vcpu]));
function bucketOf(type: string): 'standard' | 'g-vt' | 'p' {
  if (type.startsWith('g') || type.startsWith('vt')) return 'g-vt';
  if (type.startsWith('p')) return 'p';
  return 'standard';
}
const TYPES = Object.keys(VCPU);
const STANDARD_TYPES = TYPES.filter((t) => bucketOf(t) === 'standard');

/** ⌈a / b⌉ for non-negative integers. */
const ceilDiv = (a: number, b: number): number => Math.floor((a + b - 1) / b);

interface Generated {
  profile: 'mvp-500' | 'scale-3000';
  groups: Pick<NodeGroupConfig, 'instanceTypes' | 'capacityType' | 'maxSize' | 'maxUnavailable' | 'rootVolumeGiB'>[];
  concurrent: number;
  ec2Types: string[];
  bufferPercent: number;
}

const group = fc.record({
  // Mostly standard types of different sizes; sometimes a GPU or P type among them.
  instanceTypes: fc.uniqueArray(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...STANDARD_TYPES) },
      { weight: 1, arbitrary: fc.constantFrom(...TYPES) },
    ),
    { minLength: 1, maxLength: 5 },
  ),
  capacityType: fc.constantFrom('ON_DEMAND' as const, 'SPOT' as const),
  maxSize: fc.integer({ min: 1, max: 1000 }),
  maxUnavailable: fc.oneof(
    fc.integer({ min: 1, max: 100 }),
    fc.integer({ min: 1, max: 100 }).map((p) => `${p}%`),
  ),
  rootVolumeGiB: fc.integer({ min: 20, max: 2000 }),
});

const generated: fc.Arbitrary<Generated> = fc.record({
  profile: fc.constantFrom('mvp-500' as const, 'scale-3000' as const),
  groups: fc.array(group, { minLength: 1, maxLength: 5 }),
  concurrent: fc.integer({ min: 1, max: 10_000 }),
  ec2Types: fc.array(fc.constantFrom(...TYPES), { minLength: 3, maxLength: 3 }),
  bufferPercent: fc.integer({ min: 0, max: 200 }),
});

function configFor(g: Generated): CoderPlatformConfig {
  const config = profileConfig(g.profile);
  const template = structuredClone(Object.values(config.cluster.nodeGroups)[0]!);
  config.cluster.nodeGroups = Object.fromEntries(
    g.groups.map((x, i) => [`g${i}`, { ...template, ...x, fallbackFor: undefined }]),
  );
  config.workspaces.concurrent = g.concurrent;
  // scale-3000 has three EC2 sizes (one CPU, two GPU template): give them generated instance types.
  const ec2 = Object.values(config.workspaces.sizes).filter((s) => s.instanceType !== undefined);
  ec2.forEach((s, i) => (s.instanceType = g.ec2Types[i]));
  return config;
}

/** The reference bill lines, recomputed from the config with integers only. */
function reference(config: CoderPlatformConfig, bufferPercent: number): Map<string, number> {
  const az = config.network.azCount;
  const buffered = (base: number): number => ceilDiv(base * (100 + bufferPercent), 100);
  const surgeNodes = (x: NodeGroupConfig): number => {
    const unavailable =
      typeof x.maxUnavailable === 'number'
        ? x.maxUnavailable
        : Math.min(100, ceilDiv(x.maxSize * Number(x.maxUnavailable.slice(0, -1)), 100));
    return Math.max(2 * az, unavailable);
  };
  const enabled = new Set<string>(config.workspaces.templates);
  const count = (share: number): number => {
    expect(Number.isInteger(share)).toBe(true);
    return ceilDiv(config.workspaces.concurrent * share, 100);
  };
  const lines = new Map<string, number>();
  const ids = { standard: 'standard', 'g-vt': 'gvt', p: 'p' } as const;
  for (const bucket of ['standard', 'g-vt', 'p'] as const) {
    for (const capacity of ['ON_DEMAND', 'SPOT'] as const) {
      let sum = 0;
      let surge = 0;
      for (const x of Object.values(config.cluster.nodeGroups)) {
        if (x.capacityType !== capacity) continue;
        const inBucket = x.instanceTypes.filter((t) => bucketOf(t) === bucket);
        if (inBucket.length === 0) continue;
        // Every node of the group may be the largest type of this bucket.
        const v = Math.max(...inBucket.map((t) => VCPU[t]!));
        sum += x.maxSize * v;
        surge = Math.max(surge, surgeNodes(x) * v);
      }
      if (capacity === 'ON_DEMAND') {
        for (const s of Object.values(config.workspaces.sizes)) {
          if (
            s.instanceType === undefined ||
            s.template === 'pod-swdev' ||
            !enabled.has(s.template) ||
            bucketOf(s.instanceType) !== bucket
          )
            continue;
          sum += count(s.share) * VCPU[s.instanceType]!;
        }
      }
      if (sum === 0 && !(bucket === 'standard' && capacity === 'ON_DEMAND')) continue;
      lines.set(`ec2-${capacity === 'ON_DEMAND' ? 'ondemand' : 'spot'}-${ids[bucket]}-vcpu`, buffered(sum + surge));
    }
  }
  lines.set(
    'eks-nodes-per-node-group',
    Math.max(...Object.values(config.cluster.nodeGroups).map((x) => x.maxSize + surgeNodes(x))),
  );
  let gib = 0;
  for (const s of Object.values(config.workspaces.sizes)) {
    const ec2 = s.instanceType !== undefined && s.template !== 'pod-swdev';
    if (!ec2 || enabled.has(s.template)) gib += count(s.share) * s.storageGiB;
  }
  for (const x of Object.values(config.cluster.nodeGroups)) gib += x.maxSize * x.rootVolumeGiB;
  lines.set('ebs-gp3-tib', ceilDiv(gib * (100 + bufferPercent), 1024 * 100));
  return lines;
}

describe('quota bill against a plain recomputation (fast-check)', () => {
  it(`vCPU per bucket and capacity type, nodes per group and gp3 TiB match for generated configs (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(generated, (g) => {
        const config = configFor(g);
        const bill = computeQuotaBill(config, { buffer: g.bufferPercent / 100 });
        const expected = reference(config, g.bufferPercent);
        const vcpuLines = bill.lines
          .filter((l) => l.unit === 'vCPU')
          .map((l) => l.id)
          .sort();
        expect(vcpuLines).toEqual([...expected.keys()].filter((id) => id.endsWith('-vcpu')).sort());
        for (const [id, required] of expected) {
          expect({ id, required: bill.lines.find((l) => l.id === id)?.required }).toEqual({ id, required });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('bills a mixed-type group at its largest type, whichever position it has in the list', () => {
    const config = configFor({
      profile: 'mvp-500',
      groups: [
        {
          instanceTypes: ['m5.large', 'm5.4xlarge', 'm5.xlarge'],
          capacityType: 'SPOT',
          maxSize: 10,
          maxUnavailable: 1,
          rootVolumeGiB: 100,
        },
      ],
      concurrent: 1,
      ec2Types: [],
      bufferPercent: 0,
    });
    // 10 × 16 + surge max(2 × 2 AZs, 1) = 4 × 16 = 64 → 224
    expect(computeQuotaBill(config, { buffer: 0 }).lines.find((l) => l.id === 'ec2-spot-standard-vcpu')?.required).toBe(
      224,
    );
  });
});
