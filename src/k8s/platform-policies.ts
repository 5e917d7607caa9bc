/**
 * What Day 1 applies around the workspaces: the Pod Security level of the workspace namespace and the
 * NetworkPolicies of the three platform namespaces. Enforced because Day 0 turns on the VPC CNI's network
 * policy support (assets/cdk cluster stack, `enableNetworkPolicy`).
 *
 * - coder-ws: default deny in both directions; each workspace's own policy (base-k8s) adds coderd → pod
 *   and pod → cluster DNS / outside the VPC per its network-egress capability.
 * - coder and coder-prov: egress anywhere except the database subnets; only coderd and the restore-test
 *   Job may open the database port there.
 */
import { NAMESPACES } from '../config/profiles.js';
import type { CoderPlatformConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/**
 * A template that truly cannot meet "restricted" names the level it needs and why; the namespace then
 * enforces the most permissive level any bundled template needs. The bundled templates need none.
 */
export const WORKSPACE_POD_SECURITY_EXCEPTIONS: Record<
  string,
  { level: Exclude<PodSecurityLevel, 'restricted'>; reason: string }
> = {};

/** The level the workspace namespace enforces: restricted unless a written exception needs more. */
export function workspacePodSecurityLevel(exceptions = WORKSPACE_POD_SECURITY_EXCEPTIONS): PodSecurityLevel {
  const levels = Object.values(exceptions).map((e) => e.level);
  if (levels.includes('privileged')) return 'privileged';
  return levels.includes('baseline') ? 'baseline' : 'restricted';
}

/** Labels of coderd's pods (the coder chart, release `coder`) and of the restore-test Job's pods. */
export const CODERD_POD_LABELS = { 'app.kubernetes.io/name': 'coder', 'app.kubernetes.io/instance': 'coder' } as const;
export const RESTORE_TEST_POD_LABELS = { 'app.kubernetes.io/component': 'restore-test' } as const;

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'coder-platform' };

function policy(namespace: string, name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, labels: MANAGED_BY },
    spec,
  };
}

/** The database tier's CIDRs (one per AZ). */
export function databaseCidrs(config: Pick<CoderPlatformConfig, 'network'>): string[] {
  const cidrs = config.network.subnets.database ?? [];
  if (cidrs.length === 0)
    throw new ConfigError(undefined, [
      { path: 'network.subnets.database', message: 'the database tier has no subnets' },
    ]);
  return cidrs;
}

/** The NetworkPolicies of the platform namespaces (workspaces bring their own through base-k8s). */
export function platformNetworkPolicies(
  config: Pick<CoderPlatformConfig, 'network'>,
  databasePort: number,
): Record<string, unknown>[] {
  const db = databaseCidrs(config);
  const outsideDatabase = { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: db } }] };
  const toDatabase = {
    to: db.map((cidr) => ({ ipBlock: { cidr } })),
    ports: [{ protocol: 'TCP', port: databasePort }],
  };
  return [
    policy(NAMESPACES.workspaces, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    policy(NAMESPACES.coder, 'egress-outside-database', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [outsideDatabase],
    }),
    policy(NAMESPACES.coder, 'coderd-database', {
      podSelector: { matchLabels: CODERD_POD_LABELS },
      policyTypes: ['Egress'],
      egress: [toDatabase],
    }),
    policy(NAMESPACES.coder, 'restore-test-database', {
      podSelector: { matchLabels: RESTORE_TEST_POD_LABELS },
      policyTypes: ['Egress'],
      egress: [toDatabase],
    }),
    policy(NAMESPACES.provisioners, 'egress-outside-database', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [outsideDatabase],
    }),
  ];
}
