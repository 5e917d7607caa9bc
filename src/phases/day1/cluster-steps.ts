/**
 * The Day 1 steps on the cluster side: Day 0's outputs, the kubeconfig, namespaces and storage, add-ons,
 * the database-URL secret, the coder release and its binding to the NLB, health, the provisioner secret
 * and release, and connected daemons. Every step probes the real state in isDone (Helm release status and
 * values, Kubernetes objects, Coder's API), so a re-run or a lost journal converges.
 *
 * Secrets (database password, OIDC client secret, provisioner key) are read from Secrets Manager at the
 * moment of use and reach Kubernetes only on kubectl's stdin; outputs, events and errors never carry them.
 */
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { Step } from '../../engine/types.js';
import { addonsStep } from './addon-steps.js';
import { kubeconfigStep, readOutputsStep } from './cluster-access-steps.js';
import { coderHealthyStep, coderReleaseStep, dbSecretStep, targetGroupBindingStep } from './coder-release-steps.js';
import { namespacesStep } from './namespace-steps.js';
import { provisionerReleaseStep, provisionerSecretStep, provisionersConnectedStep } from './provisioner-steps.js';
import type { Day1Services } from './services.js';

export { CLUSTER_STEP_IDS, canonical, redactError, releaseIsCurrent } from './cluster-common.js';
export { databaseUrl, plainVersion } from './coder-release-steps.js';
export { namespaceManifests, STORAGE_CLASS, storageClassManifest } from './namespace-steps.js';

export function clusterSteps(config: CoderPlatformConfig): Step<Day1Services>[] {
  return [
    readOutputsStep(),
    kubeconfigStep(config),
    namespacesStep(config),
    addonsStep(config),
    dbSecretStep(config),
    coderReleaseStep(config),
    targetGroupBindingStep(),
    coderHealthyStep(config),
    provisionerSecretStep(config),
    provisionerReleaseStep(config),
    provisionersConnectedStep(config),
  ];
}
