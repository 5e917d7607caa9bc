/**
 * The custom shape: a concurrent-workspace count and a size mix become suggested workspace node-group
 * sizes, from the offline sizing table (src/sizing/instance-types.ts) and the profile's over-commit ratios.
 */
import { deepMerge } from '../../config/load.js';
import type { ConfigLayer } from '../../config/profiles.js';
import { profileDefaults } from '../../config/profiles.js';
import { configSchema, type NodeGroupConfig, type ProfileName, type WorkspaceSizeConfig } from '../../config/schema.js';
import { validateSections } from '../../config/validate.js';
import { allocatable, lookupInstanceType } from '../../sizing/instance-types.js';

/** Custom shapes up to this many concurrent workspaces start from mvp-500, above it from scale-3000. */
export const CUSTOM_BASE_THRESHOLD = 1000;

export function baseProfileFor(concurrent: number): ProfileName {
  return concurrent <= CUSTOM_BASE_THRESHOLD ? 'mvp-500' : 'scale-3000';
}

/** `s=25,m=60,l=15` → { s: 25, m: 60, l: 15 }; throws a message when malformed. */
export function parseMix(text: string, sizeNames: string[]): Record<string, number> | string {
  const mix: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-z0-9-]+)\s*=\s*(\d+(\.\d+)?)%?$/.exec(part);
    if (!match) return `"${part}" is not NAME=PERCENT`;
    const name = match[1]!;
    if (!sizeNames.includes(name)) return `unknown size "${name}"; sizes: ${sizeNames.join(', ')}`;
    mix[name] = Number(match[2]);
  }
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  if (Math.abs(total - 100) > 0.001) return `the shares add up to ${total}%, not 100%`;
  return mix;
}

export function formatMix(sizes: Record<string, Pick<WorkspaceSizeConfig, 'share'>>): string {
  return Object.entries(sizes)
    .map(([name, size]) => `${name}=${size.share}`)
    .join(',');
}

export interface NodeGroupSuggestion {
  /** The workspace node group sized (the profile's pod-workspace group). */
  group: string;
  instanceType: string;
  /** Nodes that hold every pod workspace at its requests. */
  maxSize: number;
  /** Nodes kept outside business hours. */
  offHours: number;
  /** Nodes raised to in the morning. */
  peak: number;
  /** What bounds the count: cpu, memory or pods. */
  boundBy: 'cpu' | 'memory' | 'pods';
}

/** Suggested workspace node-group sizes for `concurrent` workspaces in the given mix, on the base profile. */
export function suggestWorkspaceNodes(
  base: ProfileName,
  concurrent: number,
  mix: Record<string, number>,
): NodeGroupSuggestion {
  const profile = profileDefaults(base) as {
    cluster: { nodeGroups: Record<string, NodeGroupConfig> };
    workspaces: { sizes: Record<string, WorkspaceSizeConfig>; requestsToLimits: { cpu: number; memory: number } };
  };
  const [group, config] = Object.entries(profile.cluster.nodeGroups).find(
    ([, g]) => g.role === 'workspace' && g.fallbackFor === undefined,
  )!;
  const instanceType = config.instanceTypes[0]!;
  const facts = lookupInstanceType(instanceType)!;
  const node = allocatable(facts);
  let cpuMillis = 0;
  let memoryMiB = 0;
  let pods = 0;
  for (const [name, size] of Object.entries(profile.workspaces.sizes)) {
    if (size.template !== 'pod-swdev') continue; // EC2 templates get their own instances
    const count = (concurrent * (mix[name] ?? 0)) / 100;
    cpuMillis += count * size.cpu * 1000 * profile.workspaces.requestsToLimits.cpu;
    memoryMiB += count * size.memoryGiB * 1024 * profile.workspaces.requestsToLimits.memory;
    pods += count;
  }
  const need = { cpu: cpuMillis / node.cpuMillis, memory: memoryMiB / node.memoryMiB, pods: pods / node.pods };
  const boundBy = (Object.entries(need) as [NodeGroupSuggestion['boundBy'], number][]).sort(
    (a, b) => b[1] - a[1],
  )[0]![0];
  const maxSize = Math.max(2, Math.ceil(need[boundBy]));
  return {
    group,
    instanceType,
    maxSize,
    peak: Math.ceil(maxSize / 2),
    offHours: Math.min(Math.ceil(maxSize / 2), Math.max(1, Math.ceil(maxSize / 10))),
    boundBy,
  };
}

/**
 * The largest workspace-group maximum the base profile's subnets can hold (every IP a node can take, per
 * AZ, as config validation counts it). Above it the file would be rejected until the subnets grow.
 */
export function maxWorkspaceNodesThatFit(base: ProfileName): number {
  const fits = (maxSize: number) => {
    const { group } = suggestWorkspaceNodes(base, 1, {});
    const merged = deepMerge(profileDefaults(base), {
      cluster: { nodeGroups: { [group]: { minSize: 0, desiredSize: 0, maxSize } } },
    });
    const parsed = configSchema.shape.cluster.safeParse(merged.cluster);
    const network = configSchema.shape.network.parse(merged.network);
    if (!parsed.success) return false;
    return !validateSections({ network, cluster: parsed.data }).some(
      (issue) => issue.path.startsWith('network.subnets.') && issue.message.startsWith('too small'),
    );
  };
  let low = 1;
  let high = 1000;
  if (fits(high)) return high;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The config layer a custom shape adds over its base profile. */
export function customLayer(
  base: ProfileName,
  concurrent: number,
  mix: Record<string, number>,
  workspaceMaxNodes?: number,
): ConfigLayer {
  const suggestion = suggestWorkspaceNodes(base, concurrent, mix);
  const maxSize = workspaceMaxNodes ?? Math.min(suggestion.maxSize, maxWorkspaceNodesThatFit(base));
  // Morning floor half the maximum (as both profiles do); outside business hours a tenth, at least one node.
  const peak = Math.ceil(maxSize / 2);
  const offHours = Math.min(peak, Math.max(1, Math.ceil(maxSize / 10)));
  const profileSizes = (profileDefaults(base) as { workspaces: { sizes: Record<string, unknown> } }).workspaces.sizes;
  return {
    cluster: { nodeGroups: { [suggestion.group]: { minSize: offHours, desiredSize: offHours, maxSize } } },
    workspaces: {
      concurrent,
      sizes: Object.fromEntries(Object.keys(profileSizes).map((name) => [name, { share: mix[name] ?? 0 }])),
    },
    schedule: { nodeGroups: { [suggestion.group]: { peak, offHours } } },
  };
}
