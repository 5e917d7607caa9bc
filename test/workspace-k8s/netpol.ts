/**
 * Kubernetes NetworkPolicy semantics over real objects (networking.k8s.io/v1): a connection is allowed when
 * the source's egress allows it (or no policy selects the source for Egress) and the destination's ingress
 * allows it (or no policy selects it for Ingress). Peers: podSelector (same namespace), namespaceSelector,
 * both (pods in the selected namespaces), ipBlock (cidr minus except, matched on the address). Every
 * namespace carries kubernetes.io/metadata.name, as the API server sets it.
 */
import type { K8sObject } from './template-objects.js';

export type Endpoint =
  | { kind: 'pod'; name: string; namespace: string; labels: Record<string, string>; ip: string }
  | { kind: 'host'; name: string; ip: string };

export interface Cluster {
  namespaces: Record<string, Record<string, string>>;
  policies: K8sObject[];
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToInt(base) / size) * size;
  const n = ipToInt(ip);
  return n >= start && n < start + size;
}

export function selects(selector: K8sObject | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>))
    if (labels[k] !== v) return false;
  for (const e of (selector.matchExpressions ?? []) as { key: string; operator: string; values?: string[] }[]) {
    const has = e.key in labels;
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(labels[e.key]!)
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(labels[e.key]!)
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

function nsLabels(cluster: Cluster, ns: string): Record<string, string> {
  return { ...(cluster.namespaces[ns] ?? {}), 'kubernetes.io/metadata.name': ns };
}

function peerMatches(cluster: Cluster, policyNamespace: string, peer: K8sObject, other: Endpoint): boolean {
  if (peer.ipBlock) {
    return (
      inCidr(other.ip, peer.ipBlock.cidr) && !((peer.ipBlock.except ?? []) as string[]).some((c) => inCidr(other.ip, c))
    );
  }
  if (other.kind !== 'pod') return false;
  if (peer.namespaceSelector) {
    return (
      selects(peer.namespaceSelector, nsLabels(cluster, other.namespace)) && selects(peer.podSelector, other.labels)
    );
  }
  return other.namespace === policyNamespace && selects(peer.podSelector, other.labels);
}

function portMatches(rulePorts: K8sObject[] | undefined, port: number, protocol: string): boolean {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((p) => {
    if (p.port !== undefined && !/^[0-9]+$/.test(String(p.port)))
      throw new Error(`named port ${String(p.port)} is not supported by the test evaluator`);
    const from = p.port === undefined ? 0 : Number(p.port);
    const to = p.endPort === undefined ? (p.port === undefined ? 65535 : from) : Number(p.endPort);
    return (p.protocol ?? 'TCP') === protocol && port >= from && port <= to;
  });
}

function direction(
  cluster: Cluster,
  subject: Endpoint,
  other: Endpoint,
  type: 'Ingress' | 'Egress',
  port: number,
  protocol: string,
): boolean {
  if (subject.kind !== 'pod') return true;
  const policies = cluster.policies.filter((p) => {
    const ns = p.metadata.namespace as string;
    const types = (p.spec.policyTypes ?? ['Ingress']) as string[];
    return ns === subject.namespace && types.includes(type) && selects(p.spec.podSelector, subject.labels);
  });
  if (policies.length === 0) return true;
  const key = type === 'Ingress' ? 'ingress' : 'egress';
  const peers = type === 'Ingress' ? 'from' : 'to';
  return policies.some((p) =>
    ((p.spec[key] ?? []) as K8sObject[]).some(
      (rule) =>
        portMatches(rule.ports, port, protocol) &&
        (!rule[peers] ||
          (rule[peers] as K8sObject[]).some((peer) => peerMatches(cluster, p.metadata.namespace, peer, other))),
    ),
  );
}

/** May `from` open a connection to `to` on port/protocol under the cluster's policies? */
export function allowed(
  cluster: Cluster,
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: 'TCP' | 'UDP' = 'TCP',
): boolean {
  return (
    direction(cluster, from, to, 'Egress', port, protocol) && direction(cluster, to, from, 'Ingress', port, protocol)
  );
}
