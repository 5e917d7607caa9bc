/**
 * NetworkPolicy semantics and autoscaler behaviour over the real objects: the workspace NetworkPolicy and
 * Deployment rendered from each composed Kubernetes template (hcl2json), the platform policies and
 * namespaces Day 1 applies, the restore-test Job's pod labels and the cluster-autoscaler values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CoderPlatformConfig } from '../../src/config/schema.js';
import { validationManifests } from '../../src/phases/day2/restore-test/validation-job.js';
import { clusterAutoscalerValues } from '../../src/phases/day1/helm-values/addons.js';
import { CODERD_POD_LABELS, platformNetworkPolicies } from '../../src/k8s/platform-policies.js';
import { namespaceManifests } from '../../src/phases/day1/cluster-steps.js';
import { loadTemplateAssets } from '../../src/phases/day1/templates/assets.js';
import { composeTemplate } from '../../src/phases/day1/templates/compose.js';
import { testConfig, testOutputs } from '../day1-k8s/fixtures.js';
import { allowed, type Cluster, type Endpoint } from './netpol.js';
import { parseComposed, renderAll, type K8sObject, type ParsedTemplate } from './template-objects.js';

const PROFILES = ['mvp-500', 'scale-3000'] as const;
const DB_PORT = testOutputs().database.port;

/** The n-th address of a CIDR. */
function ipIn(cidr: string, n: number): string {
  const [base] = cidr.split('/') as [string];
  const parts = base.split('.').map(Number);
  parts[3]! += n;
  return parts.join('.');
}

function tierOf(config: CoderPlatformConfig, role: 'control' | 'provisioner' | 'workspace'): string {
  const tier = Object.values(config.cluster.nodeGroups).find((g) => g.role === role)!.subnetTier;
  return config.network.subnets[tier]![0]!;
}

async function kubernetesTemplates(config: CoderPlatformConfig): Promise<{ name: string; parsed: ParsedTemplate }[]> {
  const assets = await loadTemplateAssets();
  const names = Object.keys(assets.pairings).filter(
    (n) => assets.bases[assets.pairings[n]!.base]!.platform === 'kubernetes',
  );
  return Promise.all(
    names
      .sort()
      .map(async (name) => ({ name, parsed: await parseComposed(await composeTemplate(assets, config, name)) })),
  );
}

function workspacePod(
  parsed: ParsedTemplate,
  owner: string,
  name: string,
  ip: string,
  capabilities: Record<string, string>,
): { pod: Endpoint; policies: K8sObject[] } {
  const ws = { owner, name, capabilities };
  const deployment = Object.values(renderAll(parsed, 'kubernetes_deployment_v1', ws))[0]!;
  const policies = Object.values(renderAll(parsed, 'kubernetes_network_policy_v1', ws));
  return {
    pod: {
      kind: 'pod',
      name: `${owner}/${name}`,
      namespace: deployment.metadata.namespace,
      labels: deployment.spec.template.metadata.labels,
      ip,
    },
    policies,
  };
}

function scenario(config: CoderPlatformConfig, parsed: ParsedTemplate, egress: string) {
  const ws = tierOf(config, 'workspace');
  const control = tierOf(config, 'control');
  const a = workspacePod(parsed, 'alice', 'dev', ipIn(ws, 10), { 'network-egress': egress });
  const b = workspacePod(parsed, 'bob', 'web', ipIn(ws, 11), { 'network-egress': egress });
  const job = validationManifests({
    jobName: 'restore-test-x',
    namespace: 'coder',
    image: 'postgres',
    sql: 'select 1',
    restored: {} as never,
    live: {} as never,
  })[1] as K8sObject;
  const pods = {
    a: a.pod,
    b: b.pod,
    coderd: {
      kind: 'pod',
      name: 'coderd',
      namespace: 'coder',
      labels: { ...CODERD_POD_LABELS, 'app.kubernetes.io/part-of': 'coder' },
      ip: ipIn(control, 20),
    },
    restoreTest: {
      kind: 'pod',
      name: 'restore-test',
      namespace: job.metadata.namespace,
      labels: job.spec.template.metadata.labels,
      ip: ipIn(control, 21),
    },
    otherInCoder: { kind: 'pod', name: 'debug', namespace: 'coder', labels: { run: 'debug' }, ip: ipIn(control, 22) },
    provisioner: {
      kind: 'pod',
      name: 'provisioner',
      namespace: 'coder-prov',
      labels: { 'app.kubernetes.io/name': 'coder-provisioner', 'app.kubernetes.io/instance': 'coder-provisioner' },
      ip: ipIn(tierOf(config, 'provisioner'), 30),
    },
    kubeDns: {
      kind: 'pod',
      name: 'coredns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns' },
      ip: ipIn(control, 40),
    },
    rogue: { kind: 'pod', name: 'rogue', namespace: 'coder-ws', labels: { run: 'rogue' }, ip: ipIn(ws, 50) },
  } satisfies Record<string, Endpoint>;
  const hosts = {
    kubelet: { kind: 'host', name: 'kubelet', ip: ipIn(ws, 5) },
    database: { kind: 'host', name: 'database', ip: ipIn(config.network.subnets.database![0]!, 8) },
    accessUrl: { kind: 'host', name: 'NLB (access URL)', ip: '3.210.15.7' },
    internet: { kind: 'host', name: 'github.com', ip: '140.82.112.3' },
    // Service ClusterIPs as the policy sees them (before translation): the API server's and coderd's
    kubernetesService: { kind: 'host', name: 'kubernetes.default (ClusterIP)', ip: '172.20.0.1' },
    coderService: { kind: 'host', name: 'coder.coder (ClusterIP)', ip: '10.100.37.12' },
  } satisfies Record<string, Endpoint>;
  const namespaces = Object.fromEntries(
    namespaceManifests().map((n) => [
      (n.metadata as { name: string }).name,
      (n.metadata as { labels: Record<string, string> }).labels,
    ]),
  );
  const cluster: Cluster = {
    namespaces: { ...namespaces, 'kube-system': {} },
    policies: [...platformNetworkPolicies(config, DB_PORT), ...a.policies, ...b.policies],
  };
  return { pods, hosts, cluster };
}

describe('NetworkPolicy: what a workspace can reach', () => {
  for (const profile of PROFILES) {
    for (const egress of ['https-only', 'unrestricted']) {
      it(`${profile}, network-egress ${egress}: not another workspace, coderd's ports, the kubelets or the database; DNS and the outside world per capability`, async () => {
        const config = testConfig(profile);
        for (const { name, parsed } of await kubernetesTemplates(config)) {
          const { pods, hosts, cluster } = scenario(config, parsed, egress);
          const can = (from: Endpoint, to: Endpoint, port: number, protocol: 'TCP' | 'UDP' = 'TCP') =>
            allowed(cluster, from, to, port, protocol);
          const label = (what: string) => `${name} (${egress}): ${what}`;
          for (const port of [22, 443, 6901, 13337])
            expect(can(pods.a, pods.b, port), label(`workspace → workspace :${port}`)).toBe(false);
          for (const port of [8080, 2112, 6060])
            expect(can(pods.a, pods.coderd, port), label(`workspace → coderd :${port}`)).toBe(false);
          expect(can(pods.a, hosts.kubelet, 10250), label('workspace → kubelet :10250')).toBe(false);
          expect(can(pods.a, hosts.database, DB_PORT), label('workspace → database')).toBe(false);
          for (const port of [80, 443, 2112]) {
            expect(can(pods.a, hosts.kubernetesService, port), label(`workspace → kubernetes Service :${port}`)).toBe(
              false,
            );
            expect(can(pods.a, hosts.coderService, port), label(`workspace → coder Service :${port}`)).toBe(false);
          }
          expect(can(pods.a, pods.kubeDns, 53, 'UDP'), label('workspace → cluster DNS')).toBe(true);
          expect(can(pods.a, hosts.accessUrl, 443), label('workspace → access URL (agent)')).toBe(true);
          expect(can(pods.a, hosts.internet, 443), label('workspace → internet :443')).toBe(true);
          expect(can(pods.a, hosts.internet, 22), label('workspace → internet :22')).toBe(egress === 'unrestricted');
          // inbound: only coderd
          expect(can(pods.coderd, pods.a, 22), label('coderd → workspace')).toBe(true);
          expect(can(pods.provisioner, pods.a, 22), label('provisioner → workspace')).toBe(false);
          // a pod in coder-ws that no template policy selects gets nothing (namespace default deny)
          expect(can(pods.rogue, hosts.internet, 443), label('unselected pod → internet')).toBe(false);
          expect(can(pods.rogue, pods.a, 22), label('unselected pod → workspace')).toBe(false);
        }
      });
    }

    it(`${profile}: of the pods in the platform namespaces, only coderd and the restore-test Job reach the database port`, async () => {
      const config = testConfig(profile);
      const { parsed } = (await kubernetesTemplates(config))[0]!;
      const { pods, hosts, cluster } = scenario(config, parsed, 'https-only');
      const platform = new Set(Object.keys(cluster.namespaces).filter((ns) => ns !== 'kube-system'));
      const reach = Object.entries(pods)
        .filter(
          ([, p]) => p.kind === 'pod' && platform.has(p.namespace) && allowed(cluster, p, hosts.database, DB_PORT),
        )
        .map(([k]) => k);
      expect(reach.sort()).toEqual(['coderd', 'restoreTest']);
      // kube-system is not ours to police: its pods (and host-network agents) still have the node's path
      expect(allowed(cluster, pods.kubeDns, hosts.database, DB_PORT)).toBe(true);
      // everything else in coder and coder-prov still reaches what it needs (DNS, coderd, the internet)
      expect(allowed(cluster, pods.provisioner, pods.coderd, 8080)).toBe(true);
      expect(allowed(cluster, pods.provisioner, hosts.internet, 443)).toBe(true);
      expect(allowed(cluster, pods.coderd, pods.kubeDns, 53, 'UDP')).toBe(true);
      expect(allowed(cluster, pods.otherInCoder, hosts.internet, 443)).toBe(true);
    });
  }

  it('property: a workspace reaches an address iff it is outside the VPC and the Service ranges and the port fits its capability', async () => {
    const config = testConfig('scale-3000');
    const { parsed } = (await kubernetesTemplates(config))[0]!;
    // reference: the VPC CIDR as a mask over the 32-bit address, independent of the evaluator's arithmetic
    const [vpcBase, vpcBits] = config.network.vpcCidr.split('/') as [string, string];
    const toBits = (ip: string) =>
      ip
        .split('.')
        .map((o) => Number(o).toString(2).padStart(8, '0'))
        .join('');
    const within = (ip: string, base: string, bits: number) =>
      toBits(ip).slice(0, bits) === toBits(base).slice(0, bits);
    const insideVpc = (ip: string) =>
      within(ip, vpcBase, Number(vpcBits)) || within(ip, '10.100.0.0', 16) || within(ip, '172.20.0.0', 16);
    for (const egress of ['https-only', 'unrestricted']) {
      const { pods, cluster } = scenario(config, parsed, egress);
      fc.assert(
        fc.property(
          fc.oneof(
            fc.ipV4(),
            ...['10.0', '10.100', '172.20', '172.21'].map((p) => fc.nat(65535).map((n) => `${p}.${n >> 8}.${n & 255}`)),
          ),
          fc.integer({ min: 1, max: 65535 }),
          (ip, port) => {
            const expected = !insideVpc(ip) && (egress === 'unrestricted' || port === 443);
            return allowed(cluster, pods.a, { kind: 'host', name: ip, ip }, port) === expected;
          },
        ),
        { numRuns: 500 },
      );
    }
  });

  it('without the policies the same evaluator lets everything through (the denials come from the objects)', async () => {
    const config = testConfig('mvp-500');
    const { parsed } = (await kubernetesTemplates(config))[0]!;
    const { pods, hosts, cluster } = scenario(config, parsed, 'https-only');
    const open = { ...cluster, policies: [] };
    expect(allowed(open, pods.a, pods.b, 22)).toBe(true);
    expect(allowed(open, pods.a, hosts.database, DB_PORT)).toBe(true);
    expect(allowed(open, pods.a, hosts.kubelet, 10250)).toBe(true);
  });
});

describe('cluster autoscaler and running workspaces', () => {
  /**
   * The autoscaler's scale-down rules (kubernetes/autoscaler cluster-autoscaler/FAQ.md, "How does
   * scale-down work?" and "What types of pods can prevent CA from removing a node?"): a node is a
   * candidate when its pods' requests are below the utilization threshold (default 0.5) of allocatable
   * and every pod can move; a pod annotated safe-to-evict "false" cannot.
   */
  function removable(pods: K8sObject[], allocatableMilliCpu: number, args: Record<string, unknown>): boolean {
    const milli = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
    const requested = pods
      .flatMap((p) => p.spec.containers as K8sObject[])
      .reduce((sum, c) => sum + milli(String(c.resources?.requests?.cpu ?? '0')), 0);
    const threshold = Number(args['scale-down-utilization-threshold'] ?? 0.5);
    if (requested / allocatableMilliCpu >= threshold) return false;
    return pods.every((p) => {
      const annotation = p.metadata?.annotations?.['cluster-autoscaler.kubernetes.io/safe-to-evict'];
      if (annotation === 'false') return false;
      const local = ((p.spec.volumes ?? []) as K8sObject[]).some(
        (v) => v.hostPath || (v.emptyDir && v.emptyDir.medium !== 'Memory'),
      );
      return !local || annotation === 'true' || args['skip-nodes-with-local-storage'] === false;
    });
  }

  for (const profile of PROFILES) {
    it(`${profile}: no Kubernetes template's running workspace is ever evicted to remove its node; empty nodes go before the evening scale-down`, async () => {
      const config = testConfig(profile);
      const args = (clusterAutoscalerValues(config, testOutputs()).extraArgs ?? {}) as Record<string, unknown>;
      expect(args['scale-down-enabled']).not.toBe(false);
      for (const { name, parsed } of await kubernetesTemplates(config)) {
        for (const everyOptionalBlock of [false, true]) {
          const deployment = Object.values(
            renderAll(parsed, 'kubernetes_deployment_v1', { owner: 'alice', name: 'dev' }, { everyOptionalBlock }),
          )[0]!;
          const pod = deployment.spec.template;
          expect(pod.metadata.annotations['cluster-autoscaler.kubernetes.io/safe-to-evict'], name).toBe('false');
          // requests far below limits: the node looks idle (48 vCPU workspace node, one workspace) …
          expect(
            removable([{ ...pod, metadata: { ...pod.metadata, annotations: {} } }], 47_000, args),
            `${name}: without the annotation the node would go`,
          ).toBe(true);
          // … and still is never removed while the workspace runs
          expect(removable([pod], 47_000, args), name).toBe(false);
        }
      }
      // After the workspaces stop (quiet hours at the 18:00 work end, seed-facts §7), the empty nodes must have
      // been unneeded long enough by the scale-down that lowers the minimum (defect 23: min only, the autoscaler
      // removes empty nodes).
      expect(removable([], 47_000, args)).toBe(true);
      const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
      const unneeded = /^(\d+)m$/.exec(String(args['scale-down-unneeded-time']));
      expect(unneeded).not.toBeNull();
      expect(Number(unneeded![1])).toBeLessThanOrEqual(minutes(config.schedule.scaleDown) - minutes('18:00'));
    });
  }
});
