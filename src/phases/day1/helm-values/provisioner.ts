/**
 * Values for the `coder-provisioner` chart: key authentication through a Kubernetes secret (never PSK,
 * never a value), one daemon per pod with replicas from config, placement on the provisioner group, and a
 * termination grace long enough for a build to finish. Only keys of the chart's values.yaml are used.
 */
import { NAMESPACES } from '../../../config/profiles.js';
import type { CoderPlatformConfig } from '../../../config/schema.js';
import { UserError } from '../../../errors.js';
import type { PolicyRule } from '../workspace-rbac.js';
import {
  K8S_SECRETS,
  RELEASES,
  SERVICE_ACCOUNTS,
  imageTag,
  internalCoderUrl,
  nodeSelectorFor,
  restrictedSecurityContext,
  tolerationsFor,
  zoneAntiAffinity,
} from './common.js';

/** SIGTERM lets the current build finish; this must exceed the longest build (seed-facts §10). */
export const PROVISIONER_GRACE_SECONDS = 600;
/** The chart's default PSK secret name: left at this default, a key secret wins (coder-helm.md §2.1). */
export const CHART_DEFAULT_PSK_SECRET = 'coder-provisioner-psk';

/** Per-pod resources: Coder's validated 1 vCPU / 1 GiB floor, with the scale design's headroom for Terraform. */
export function provisionerResources(config: CoderPlatformConfig): {
  requests: Record<string, string>;
  limits: Record<string, string>;
} {
  return config.profile === 'scale-3000'
    ? { requests: { cpu: '1000m', memory: '2Gi' }, limits: { cpu: '4000m', memory: '8Gi' } }
    : { requests: { cpu: '1000m', memory: '1Gi' }, limits: { cpu: '2000m', memory: '4Gi' } };
}

export function buildProvisionerValues(config: CoderPlatformConfig): Record<string, unknown> {
  return {
    coder: {
      image: { repo: 'ghcr.io/coder/coder', tag: imageTag(config.coder.version), pullPolicy: 'IfNotPresent' },
      env: [
        // coderd lives in another namespace, so the chart's same-namespace default would be wrong
        { name: 'CODER_URL', value: internalCoderUrl() },
        { name: 'CODER_CACHE_DIRECTORY', value: '/tmp/coder-cache' },
        { name: 'AWS_REGION', value: config.aws.region },
      ],
      replicaCount: config.coder.provisioners.replicas,
      resources: provisionerResources(config),
      nodeSelector: nodeSelectorFor(config, 'provisioner'),
      tolerations: tolerationsFor(config, 'provisioner'),
      affinity: zoneAntiAffinity(RELEASES.provisioner),
      // a running build must not be evicted by a scale-down
      podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
      // no workspace Role in coder-prov: nothing is built there; the Role in coder-ws comes from provisionerWorkspaceRbac
      serviceAccount: { name: SERVICE_ACCOUNTS.provisioner.name, workspacePerms: false, enableDeployments: false },
      securityContext: restrictedSecurityContext(),
      // read-only root: Terraform works under /tmp (its work directories and CODER_CACHE_DIRECTORY) and $HOME
      volumes: [
        { name: 'tmp', emptyDir: {} },
        { name: 'home', emptyDir: {} },
      ],
      volumeMounts: [
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'home', mountPath: '/home/coder' },
      ],
    },
    provisionerDaemon: {
      pskSecretName: '',
      keySecretName: K8S_SECRETS.provisionerKey.name,
      keySecretKey: K8S_SECRETS.provisionerKey.key,
      terminationGracePeriodSeconds: PROVISIONER_GRACE_SECONDS,
    },
  };
}

/**
 * The chart's render-time refusals (helm/provisioner templates, coder-helm.md §2.1), checked before Helm
 * runs so a bad combination fails with the chart's own words and nothing is touched. `values` are the
 * user-supplied values; the chart's defaults are applied here.
 */
export function validateProvisionerValues(values: Record<string, unknown>): void {
  const coder = (values.coder ?? {}) as { image?: { tag?: unknown } };
  if (typeof coder.image?.tag !== 'string' || coder.image.tag === '') {
    throw new UserError(
      "You must specify the coder.image.tag value if you're installing the Helm chart directly from Git.",
    );
  }
  const daemon = (values.provisionerDaemon ?? {}) as {
    pskSecretName?: unknown;
    keySecretName?: unknown;
    tags?: unknown;
  };
  const psk = typeof daemon.pskSecretName === 'string' ? daemon.pskSecretName : CHART_DEFAULT_PSK_SECRET;
  const key = typeof daemon.keySecretName === 'string' ? daemon.keySecretName : '';
  const tags = daemon.tags && typeof daemon.tags === 'object' ? Object.keys(daemon.tags) : [];
  if (psk === '' && key === '')
    throw new UserError('Either provisionerDaemon.pskSecretName or provisionerDaemon.keySecretName must be specified.');
  if (psk !== '' && key !== '' && psk !== CHART_DEFAULT_PSK_SECRET) {
    throw new UserError(
      'Either provisionerDaemon.pskSecretName or provisionerDaemon.keySecretName must be specified, but not both.',
    );
  }
  if (key !== '' && tags.length > 0)
    throw new UserError('provisionerDaemon.tags may not be specified with provisionerDaemon.keySecretName.');
}

/**
 * The provisioners build workspaces in coder-ws, which the chart's Role (release namespace only) does not
 * cover: a Role and RoleBinding there for the provisioner's service account. `rules` are derived from the
 * bundled templates (src/k8s/workspace-rbac.ts): exactly the kinds and verbs they create and manage.
 */
export function provisionerWorkspaceRbac(rules: PolicyRule[]): Record<string, unknown>[] {
  const name = 'coder-provisioner-workspace-perms';
  const namespace = NAMESPACES.workspaces;
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace },
      rules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: SERVICE_ACCOUNTS.provisioner.name,
          namespace: SERVICE_ACCOUNTS.provisioner.namespace,
        },
      ],
    },
  ];
}
