/**
 * The provisioner's RBAC in the workspace namespace, derived from the bundled templates: every
 * `kubernetes_*` resource (and data source) of every pairing on a Kubernetes base maps to the API group,
 * resource and verbs the hashicorp/kubernetes provider calls for it, and the Role grants exactly their
 * union. A type without a known mapping is refused, so a template can never need a grant nobody checked.
 */
import { BugError } from '../../errors.js';
import { loadTemplateAssets, type TemplateAssets } from './templates/assets.js';
import { pairingTerraformFiles } from './templates/compose.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface KubernetesUsage {
  mode: 'resource' | 'data';
  type: string;
}

/**
 * What the provider does with each type (terraform-provider-kubernetes resource_kubernetes_*_v1.go):
 * Create → create, Read/refresh and the wait after Delete → get, Update → a JSON patch, Delete → delete.
 * A data source only reads. `wait_for_rollout`/`wait_until_bound` poll with get as well; a PVC that waits
 * to be bound also lists events when the wait fails, which is why base-k8s sets wait_until_bound = false.
 */
export const TERRAFORM_KUBERNETES_TYPES: Record<string, { apiGroup: string; resource: string }> = {
  kubernetes_service_account_v1: { apiGroup: '', resource: 'serviceaccounts' },
  kubernetes_persistent_volume_claim_v1: { apiGroup: '', resource: 'persistentvolumeclaims' },
  kubernetes_deployment_v1: { apiGroup: 'apps', resource: 'deployments' },
  kubernetes_network_policy_v1: { apiGroup: 'networking.k8s.io', resource: 'networkpolicies' },
};
const RESOURCE_VERBS = ['create', 'delete', 'get', 'patch'];
const DATA_VERBS = ['get'];

/** `resource "kubernetes_…"` / `data "kubernetes_…"` block headers of Terraform files (comments excluded). */
export function kubernetesUsages(files: { path: string; content: string }[]): KubernetesUsage[] {
  const found = new Map<string, KubernetesUsage>();
  for (const file of files.filter((f) => f.path.endsWith('.tf'))) {
    const text = file.content.replace(/\/\*[\s\S]*?\*\//g, '');
    for (const m of text.matchAll(/^[ \t]*(resource|data)[ \t]+"(kubernetes_[a-z0-9_]+)"/gm)) {
      const usage = { mode: m[1] as KubernetesUsage['mode'], type: m[2]! };
      found.set(`${usage.mode}.${usage.type}`, usage);
    }
  }
  return [...found.values()].sort((a, b) => `${a.mode}.${a.type}`.localeCompare(`${b.mode}.${b.type}`));
}

/** The Role rules for these usages: one rule per API group and resource, verbs merged and sorted. */
export function workspaceRoleRules(usages: KubernetesUsage[]): PolicyRule[] {
  const byResource = new Map<string, { apiGroup: string; resource: string; verbs: Set<string> }>();
  for (const usage of usages) {
    const kind = TERRAFORM_KUBERNETES_TYPES[usage.type];
    if (!kind) {
      throw new BugError(
        `A bundled template uses ${usage.mode} "${usage.type}", which the provisioner's workspace Role does not know: ` +
          'add its API group, resource and the provider calls to TERRAFORM_KUBERNETES_TYPES.',
      );
    }
    const key = `${kind.apiGroup}/${kind.resource}`;
    const entry = byResource.get(key) ?? { ...kind, verbs: new Set<string>() };
    for (const verb of usage.mode === 'resource' ? RESOURCE_VERBS : DATA_VERBS) entry.verbs.add(verb);
    byResource.set(key, entry);
  }
  return [...byResource.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, r]) => ({ apiGroups: [r.apiGroup], resources: [r.resource], verbs: [...r.verbs].sort() }));
}

/** Every Kubernetes type the bundled pairings on a Kubernetes base use, per pairing. */
export async function bundledKubernetesUsages(assets?: TemplateAssets): Promise<Record<string, KubernetesUsage[]>> {
  const loaded = assets ?? (await loadTemplateAssets());
  const out: Record<string, KubernetesUsage[]> = {};
  for (const [name, pairing] of Object.entries(loaded.pairings).sort(([a], [b]) => a.localeCompare(b))) {
    if (loaded.bases[pairing.base]?.platform !== 'kubernetes') continue;
    out[name] = kubernetesUsages(await pairingTerraformFiles(loaded, pairing));
  }
  return out;
}

/** The Role rules the provisioner needs in the workspace namespace for the bundled templates. */
export async function bundledWorkspaceRoleRules(assets?: TemplateAssets): Promise<PolicyRule[]> {
  return workspaceRoleRules(Object.values(await bundledKubernetesUsages(assets)).flat());
}
