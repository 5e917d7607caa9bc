/** Day 1's namespaces (with Pod Security levels), their NetworkPolicies and the default encrypted gp3 StorageClass. */
import { NAMESPACES } from '../../config/profiles.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { Step } from '../../engine/types.js';
import { platformNetworkPolicies, workspacePodSecurityLevel } from '../../k8s/platform-policies.js';
import { canonical, CLUSTER_STEP_IDS as ids, MANAGED_BY } from './cluster-common.js';
import type { Day1Services } from './services.js';

export const STORAGE_CLASS = 'gp3';
const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

const podSecurity = (level: string) => ({
  'pod-security.kubernetes.io/enforce': level,
  'pod-security.kubernetes.io/warn': level,
});
const RESTRICTED = podSecurity('restricted');

export function namespaceManifests(): Record<string, unknown>[] {
  const ns = (name: string, appName: string, extra: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        ...MANAGED_BY,
        'app.kubernetes.io/part-of': 'coder-platform',
        'app.kubernetes.io/name': appName,
        ...extra,
      },
    },
  });
  return [
    // Pod Security "restricted": coderd and the provisioners run with restrictedSecurityContext() and only
    // emptyDir volumes; every container of the bundled workspace templates meets it too (a template that
    // cannot must be a written exception in WORKSPACE_POD_SECURITY_EXCEPTIONS, which lowers the level).
    // The workspace NetworkPolicy selects coderd's namespace by app.kubernetes.io/name=coder.
    ns(NAMESPACES.coder, 'coder', RESTRICTED),
    ns(NAMESPACES.provisioners, 'coder-provisioner', RESTRICTED),
    ns(NAMESPACES.workspaces, 'coder-workspaces', podSecurity(workspacePodSecurityLevel())),
  ];
}

export function storageClassManifest(): Record<string, unknown> {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: STORAGE_CLASS, labels: MANAGED_BY, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
    provisioner: 'ebs.csi.aws.com',
    parameters: { type: 'gp3', encrypted: 'true', fsType: 'ext4' },
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
    reclaimPolicy: 'Delete',
  };
}

export interface K8sObject {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

async function namespacesReady(services: Day1Services, policies: Record<string, unknown>[]): Promise<boolean> {
  for (const manifest of namespaceManifests()) {
    const want = manifest.metadata as { name: string; labels: Record<string, string> };
    const got = await services.kubectl.get<K8sObject>('namespace', want.name);
    if (!got || Object.entries(want.labels).some(([k, v]) => got.metadata?.labels?.[k] !== v)) return false;
  }
  for (const p of policies) {
    const meta = p.metadata as { name: string; namespace: string };
    const got = await services.kubectl.get<{ spec?: unknown }>(
      'networkpolicy.networking.k8s.io',
      meta.name,
      meta.namespace,
    );
    if (got === undefined || canonical(got.spec) !== canonical(p.spec)) return false;
  }
  const sc = await services.kubectl.get<
    K8sObject & {
      provisioner?: string;
      parameters?: Record<string, string>;
      volumeBindingMode?: string;
      allowVolumeExpansion?: boolean;
    }
  >('storageclass', STORAGE_CLASS);
  const want = storageClassManifest();
  return (
    sc !== undefined &&
    sc.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' &&
    sc.provisioner === want.provisioner &&
    canonical(sc.parameters) === canonical(want.parameters) &&
    sc.volumeBindingMode === want.volumeBindingMode &&
    sc.allowVolumeExpansion === true
  );
}

export function namespacesStep(config: CoderPlatformConfig): Step<Day1Services> {
  const networkPolicies = async (services: Day1Services) =>
    platformNetworkPolicies(config, (await services.deploymentOutputs()).database.port);
  const namespacesResult = (policies: Record<string, unknown>[]) => ({
    namespaces: Object.values(NAMESPACES),
    storageClass: STORAGE_CLASS,
    networkPolicies: policies.map(
      (p) => `${(p.metadata as { namespace: string }).namespace}/${(p.metadata as { name: string }).name}`,
    ),
  });
  return {
    id: ids.namespaces,
    title: `Namespaces ${Object.values(NAMESPACES).join(', ')}, their NetworkPolicies and the default encrypted gp3 StorageClass`,
    dependsOn: [ids.kubeconfig],
    expectedSeconds: 10,
    isDone: async ({ services }) => {
      const policies = await networkPolicies(services);
      return (await namespacesReady(services, policies)) ? namespacesResult(policies) : undefined;
    },
    run: async ({ services, host }) => {
      const policies = await networkPolicies(services);
      await services.kubectl.apply([...namespaceManifests(), storageClassManifest(), ...policies]);
      // EKS clusters created before 1.30 mark gp2 as default; two defaults make the choice arbitrary
      const gp2 = await services.kubectl.get<K8sObject & { provisioner?: string }>('storageclass', 'gp2');
      if (gp2?.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true') {
        // provisioner is immutable and required: repeat the existing one, change only the annotation
        await services.kubectl.apply([
          {
            apiVersion: 'storage.k8s.io/v1',
            kind: 'StorageClass',
            metadata: { name: 'gp2', annotations: { [DEFAULT_CLASS_ANNOTATION]: 'false' } },
            provisioner: gp2.provisioner ?? 'kubernetes.io/aws-ebs',
          },
        ]);
        host.emit({
          level: 'info',
          code: 'DAY1_GP2_NOT_DEFAULT',
          message: 'StorageClass gp2 is no longer the default; gp3 (encrypted) is.',
        });
      }
      return namespacesResult(policies);
    },
  };
}
