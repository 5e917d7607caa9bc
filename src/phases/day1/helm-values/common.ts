/**
 * Pieces shared by the values builders: placement on a node-group role (nodeSelector + tolerations from the
 * taints declared on the groups), the Kubernetes secrets Day 1 creates, and the in-cluster URLs.
 */
import { NAMESPACES, NODE_LABEL_KEY } from '../../../config/profiles.js';
import { coderHost, type CoderPlatformConfig, type NodeGroupConfig } from '../../../config/schema.js';
import { ConfigError } from '../../../errors.js';

/** Kubernetes secrets Day 1 writes (from Secrets Manager, through stdin only). */
export const K8S_SECRETS = {
  /** `CODER_PG_CONNECTION_URL`, namespace coder. */
  dbUrl: { name: 'coder-db-url', key: 'url', namespace: NAMESPACES.coder },
  /** `CODER_OIDC_CLIENT_SECRET`, namespace coder. */
  oidcClientSecret: { name: 'coder-oidc', key: 'client-secret', namespace: NAMESPACES.coder },
  /** The provisioner key, namespace coder-prov (chart `provisionerDaemon.keySecretName/keySecretKey`). */
  provisionerKey: { name: 'coder-provisioner-key', key: 'key', namespace: NAMESPACES.provisioners },
} as const;

/** Release names. `coder` must stay `coder`: the chart's default anti-affinity and Service name assume it. */
export const RELEASES = { coder: 'coder', provisioner: 'coder-provisioner' } as const;

/**
 * Service accounts the EKS Pod Identity associations of Day 0 are bound to (namespace/name); the charts
 * and add-ons must use exactly these.
 */
export const SERVICE_ACCOUNTS = {
  coderd: { namespace: NAMESPACES.coder, name: 'coder' },
  provisioner: { namespace: NAMESPACES.provisioners, name: 'coder-provisioner' },
  loadBalancerController: { namespace: 'kube-system', name: 'aws-load-balancer-controller' },
  clusterAutoscaler: { namespace: 'kube-system', name: 'cluster-autoscaler' },
} as const;

export type NodeRole = NodeGroupConfig['role'];

export interface Toleration {
  key: string;
  operator: 'Equal';
  value: string;
  effect: string;
}

/** The node groups of one role, in config order. */
export function groupsWithRole(config: CoderPlatformConfig, role: NodeRole): [string, NodeGroupConfig][] {
  return Object.entries(config.cluster.nodeGroups).filter(([, g]) => g.role === role);
}

/** Tolerations for every taint declared on the groups of a role (deduplicated). */
export function tolerationsFor(config: CoderPlatformConfig, role: NodeRole): Toleration[] {
  const seen = new Map<string, Toleration>();
  for (const [, group] of groupsWithRole(config, role)) {
    for (const t of group.taints)
      seen.set(`${t.key}=${t.value}:${t.effect}`, { key: t.key, operator: 'Equal', value: t.value, effect: t.effect });
  }
  return [...seen.values()];
}

/** `{coder.com/node-type: <role>}`, checked against the labels the groups of that role carry. */
export function nodeSelectorFor(config: CoderPlatformConfig, role: NodeRole): Record<string, string> {
  const groups = groupsWithRole(config, role);
  if (groups.length === 0) {
    throw new ConfigError(undefined, [
      {
        path: 'cluster.nodeGroups',
        message: `no node group has role "${role}", so nothing can schedule the ${role} pods`,
      },
    ]);
  }
  const missing = groups.filter(([, g]) => g.labels[NODE_LABEL_KEY] !== role).map(([name]) => name);
  if (missing.length > 0) {
    throw new ConfigError(
      undefined,
      missing.map((name) => ({
        path: `cluster.nodeGroups.${name}.labels`,
        message: `must carry the label ${NODE_LABEL_KEY}: ${role} so the ${role} pods can select it`,
      })),
    );
  }
  return { [NODE_LABEL_KEY]: role };
}

/** Preferred spread over zones (and hosts) for pods of a release. */
export function zoneAntiAffinity(instance: string): Record<string, unknown> {
  const term = (topologyKey: string) => ({
    labelSelector: { matchExpressions: [{ key: 'app.kubernetes.io/instance', operator: 'In', values: [instance] }] },
    topologyKey,
  });
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: term('topology.kubernetes.io/zone') },
        { weight: 50, podAffinityTerm: term('kubernetes.io/hostname') },
      ],
    },
  };
}

export function accessUrl(config: CoderPlatformConfig): string {
  return `https://${coderHost(config)}`;
}

/** Coder documents the bare host pattern, no scheme. */
export function wildcardAccessUrl(config: CoderPlatformConfig): string {
  return `*.${coderHost(config)}`;
}

/** coderd's Service inside the cluster (the chart always names it `coder`). */
export function internalCoderUrl(): string {
  return `http://coder.${NAMESPACES.coder}.svc.cluster.local`;
}

/** The image tag for a Coder version: always pinned (defect 21), `v<version>` like the chart's default. */
export function imageTag(version: string): string {
  return `v${version}`;
}

/**
 * The container security context of coderd and the provisioners: Kubernetes Pod Security "restricted"
 * (runAsNonRoot, no privilege escalation, every capability dropped, RuntimeDefault seccomp) plus a
 * read-only root filesystem (writable paths are emptyDir volumes). Both charts pass coder.securityContext
 * to the container verbatim (golden testdata securitycontext.golden).
 */
export function restrictedSecurityContext(): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    readOnlyRootFilesystem: true,
    seccompProfile: { type: 'RuntimeDefault' },
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  };
}
