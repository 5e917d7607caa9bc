/**
 * The day1 phase: the cluster steps (this folder's cluster-steps.ts) and the Coder API steps
 * (coder-steps.ts) in one ordered graph:
 *
 *   read-outputs → kubeconfig → namespaces → addons → db-secret → coder-release → target-group-binding →
 *   coder-healthy → first-admin → license → provisioner-key → provisioner-secret → provisioner-release →
 *   provisioners-connected → templates → users
 *
 * (db-secret only needs the namespaces, so it may run beside the add-ons.) The list order is the order
 * `--from` counts in.
 */
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { Phase, Step } from '../../engine/types.js';
import { BugError } from '../../errors.js';
import { CLUSTER_STEP_IDS, clusterSteps } from './cluster-steps.js';
import { CODER_STEP_IDS, coderSteps } from './coder-steps.js';
import type { Day1Services } from './services.js';

export { createDay1Services } from './services.js';
export type { CreateDay1ServicesOptions, Day1Services } from './services.js';

export const DAY1_PHASE_NAME = 'day1';

export const DAY1_STEP_ORDER = [
  CLUSTER_STEP_IDS.readOutputs,
  CLUSTER_STEP_IDS.kubeconfig,
  CLUSTER_STEP_IDS.namespaces,
  CLUSTER_STEP_IDS.addons,
  CLUSTER_STEP_IDS.dbSecret,
  CLUSTER_STEP_IDS.coderRelease,
  CLUSTER_STEP_IDS.targetGroupBinding,
  CLUSTER_STEP_IDS.coderHealthy,
  CODER_STEP_IDS.firstAdmin,
  CODER_STEP_IDS.license,
  CODER_STEP_IDS.provisionerKey,
  CLUSTER_STEP_IDS.provisionerSecret,
  CLUSTER_STEP_IDS.provisionerRelease,
  CLUSTER_STEP_IDS.provisionersConnected,
  CODER_STEP_IDS.templates,
  CODER_STEP_IDS.users,
] as const;

/** Dependencies that cross the two step sets (added to what each set declares itself). */
const CROSS_DEPENDENCIES: Record<string, string[]> = {
  // the owner can only be created once coderd answers at the access URL
  [CODER_STEP_IDS.firstAdmin]: [CLUSTER_STEP_IDS.coderHealthy],
  // the key comes from Coder through Secrets Manager
  [CLUSTER_STEP_IDS.provisionerSecret]: [CODER_STEP_IDS.provisionerKey],
  // a template version builds only when a provisioner with matching tags is connected
  [CODER_STEP_IDS.templates]: [CLUSTER_STEP_IDS.provisionersConnected],
};

export function day1Phase(config: CoderPlatformConfig): Phase<Day1Services> {
  const byId = new Map<string, Step<Day1Services>>();
  for (const step of [...clusterSteps(config), ...(coderSteps(config) as Step<Day1Services>[])])
    byId.set(step.id, step);
  const steps = DAY1_STEP_ORDER.map((id) => {
    const step = byId.get(id);
    if (!step) throw new BugError(`The day1 phase lists step "${id}" but no step set defines it.`);
    const dependsOn = [...new Set([...(step.dependsOn ?? []), ...(CROSS_DEPENDENCIES[id] ?? [])])];
    return { ...step, dependsOn };
  });
  if (byId.size !== steps.length) {
    const extra = [...byId.keys()].filter((id) => !(DAY1_STEP_ORDER as readonly string[]).includes(id));
    throw new BugError(`Steps ${extra.join(', ')} are defined but not placed in the day1 order.`);
  }
  return { name: DAY1_PHASE_NAME, version: 1, steps };
}
