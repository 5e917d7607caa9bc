/**
 * The provisioner's workspace Role and the workspace namespace's Pod Security level, held against every
 * composed pairing read through the project's HCL parser (@cdktf/hcl2json).
 */
import { describe, expect, it } from 'vitest';
import { NAMESPACES } from '../../src/config/profiles.js';
import { provisionerWorkspaceRbac } from '../../src/phases/day1/helm-values/provisioner.js';
import { WORKSPACE_POD_SECURITY_EXCEPTIONS, workspacePodSecurityLevel } from '../../src/k8s/platform-policies.js';
import {
  TERRAFORM_KUBERNETES_TYPES,
  bundledKubernetesUsages,
  bundledWorkspaceRoleRules,
  kubernetesUsages,
  workspaceRoleRules,
  type PolicyRule,
} from '../../src/phases/day1/workspace-rbac.js';
import { namespaceManifests } from '../../src/phases/day1/cluster-steps.js';
import { loadTemplateAssets } from '../../src/phases/day1/templates/assets.js';
import { composeTemplate, type ComposedTemplate } from '../../src/phases/day1/templates/compose.js';
import { assertPairings } from '../../src/phases/day1/templates/contract.js';
import { testConfig } from '../day1-k8s/fixtures.js';
import { podSecurityLevel, podSecurityViolations } from './pod-security.js';
import { parseComposed, renderAll, type ParsedTemplate } from './template-objects.js';

type Composed = { name: string; platform: string; composed: ComposedTemplate; parsed: ParsedTemplate };
let cached: Promise<Composed[]> | undefined;
const composedPairings = () => (cached ??= composeAll());

async function composeAll(): Promise<Composed[]> {
  const assets = await loadTemplateAssets();
  const config = testConfig('scale-3000');
  const out = [];
  for (const name of Object.keys(assets.pairings).sort()) {
    const composed = await composeTemplate(assets, config, name);
    out.push({ name, platform: composed.base.platform, composed, parsed: await parseComposed(composed) });
  }
  return out;
}

/** Does the Role grant this verb on this group/resource? */
function grants(rules: PolicyRule[], apiGroup: string, resource: string, verb: string): boolean {
  return rules.some((r) => r.apiGroups.includes(apiGroup) && r.resources.includes(resource) && r.verbs.includes(verb));
}

describe("the provisioner's Role in the workspace namespace", () => {
  it('grants every kind every composed pairing creates or reads, with the verbs the provider calls — and nothing else', async () => {
    const pairings = await composedPairings();
    expect(pairings.map((p) => p.name)).toEqual(['ec2-datasci', 'ec2-datasci-gpu', 'ec2-windev-gui', 'pod-swdev']);
    const role = provisionerWorkspaceRbac(await bundledWorkspaceRoleRules()).find((m) => m.kind === 'Role')!;
    expect(role.metadata).toEqual({ name: 'coder-provisioner-workspace-perms', namespace: NAMESPACES.workspaces });
    const rules = role.rules as PolicyRule[];
    const needed = new Set<string>();
    for (const p of pairings) {
      for (const [mode, byType] of [
        ['resource', p.parsed.resources],
        ['data', p.parsed.data],
      ] as const) {
        for (const type of Object.keys(byType).filter((t) => t.startsWith('kubernetes_'))) {
          const kind = TERRAFORM_KUBERNETES_TYPES[type];
          expect(kind, `${p.name} uses ${mode} ${type}, which the Role does not map`).toBeDefined();
          for (const verb of mode === 'resource' ? ['create', 'get', 'patch', 'delete'] : ['get']) {
            expect(
              grants(rules, kind!.apiGroup, kind!.resource, verb),
              `${p.name}: ${type} needs ${verb} on ${kind!.apiGroup || 'core'}/${kind!.resource}`,
            ).toBe(true);
            needed.add(`${kind!.apiGroup}/${kind!.resource}/${verb}`);
          }
        }
      }
    }
    const granted = rules.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}/${v}`))),
    );
    expect(granted.sort()).toEqual([...needed].sort());
    // what base-k8s uses today: a service account, a PVC, a deployment and a NetworkPolicy
    expect(rules).toEqual([
      { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['create', 'delete', 'get', 'patch'] },
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['create', 'delete', 'get', 'patch'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'delete', 'get', 'patch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create', 'delete', 'get', 'patch'] },
    ]);
  });

  it("the runtime derivation finds exactly what the HCL parser finds in each pod pairing's archive", async () => {
    const usages = await bundledKubernetesUsages();
    for (const p of (await composedPairings()).filter((x) => x.platform === 'kubernetes')) {
      const parsed = [
        ...Object.keys(p.parsed.resources)
          .filter((t) => t.startsWith('kubernetes_'))
          .map((type) => `resource.${type}`),
        ...Object.keys(p.parsed.data)
          .filter((t) => t.startsWith('kubernetes_'))
          .map((type) => `data.${type}`),
      ];
      expect(usages[p.name]?.map((u) => `${u.mode}.${u.type}`).sort(), p.name).toEqual(parsed.sort());
      expect(
        kubernetesUsages(p.composed.files)
          .map((u) => `${u.mode}.${u.type}`)
          .sort(),
        p.name,
      ).toEqual(parsed.sort());
    }
  });

  it('PVCs do not wait to be bound: that wait lists events on failure, which the Role does not grant', async () => {
    for (const p of await composedPairings()) {
      for (const [name, blocks] of Object.entries(p.parsed.resources.kubernetes_persistent_volume_claim_v1 ?? {}))
        expect(blocks[0]!.wait_until_bound, `${p.name} ${name}`).toBe(false);
    }
  });

  it('refuses a template kind it has no mapping for, and maps a data source to get only', () => {
    const files = [
      {
        path: 'base/extra.tf',
        content: 'resource "kubernetes_secret_v1" "x" {\n}\n# resource "kubernetes_pod_v1" "commented" {}\n',
      },
    ];
    expect(kubernetesUsages(files)).toEqual([{ mode: 'resource', type: 'kubernetes_secret_v1' }]);
    expect(() => workspaceRoleRules(kubernetesUsages(files))).toThrow(
      /kubernetes_secret_v1.*TERRAFORM_KUBERNETES_TYPES/,
    );
    expect(workspaceRoleRules([{ mode: 'data', type: 'kubernetes_deployment_v1' }])).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
    ]);
  });
});

describe('Pod Security of the workspace pods', () => {
  it('every container of every Kubernetes template (optional sidecars included) meets "restricted", which coder-ws enforces', async () => {
    const pods = (await composedPairings()).filter((p) => p.platform === 'kubernetes');
    expect(pods.map((p) => p.name)).toEqual(['pod-swdev']);
    const byTemplate: Record<string, string[]> = {};
    for (const p of pods) {
      for (const everyOptionalBlock of [false, true]) {
        for (const [name, d] of Object.entries(
          renderAll(p.parsed, 'kubernetes_deployment_v1', { owner: 'alice', name: 'dev' }, { everyOptionalBlock }),
        )) {
          const pod = d.spec.template;
          if (everyOptionalBlock)
            expect(
              pod.spec.containers.map((c: { name: string }) => c.name),
              'the KasmVNC sidecar is checked too',
            ).toEqual(['dev', 'kasmvnc']);
          const violations = podSecurityViolations(pod).map((v) => `${v.level}/${v.check}: ${v.detail}`);
          const allowed = WORKSPACE_POD_SECURITY_EXCEPTIONS[p.name]?.level ?? 'restricted';
          if (allowed === 'restricted') expect(violations, `${p.name} ${name}`).toEqual([]);
          (byTemplate[p.name] ??= []).push(podSecurityLevel(pod));
        }
      }
    }
    const ws = namespaceManifests().find((n) => (n.metadata as { name: string }).name === NAMESPACES.workspaces)!;
    const labels = (ws.metadata as { labels: Record<string, string> }).labels;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(labels['pod-security.kubernetes.io/enforce']).toBe(workspacePodSecurityLevel());
    expect(byTemplate).toEqual({ 'pod-swdev': ['restricted', 'restricted'] });
  });

  it('the checks catch what the old template did: no capabilities dropped, no seccomp, a sidecar without a security context', () => {
    const pod = {
      spec: {
        securityContext: { runAsUser: 1000, runAsNonRoot: true },
        containers: [
          { name: 'dev', securityContext: { allowPrivilegeEscalation: false } },
          { name: 'kasmvnc', ports: [{ containerPort: 6901 }] },
        ],
        volumes: [{ name: 'home', persistentVolumeClaim: { claimName: 'x' } }],
      },
    };
    expect(podSecurityViolations(pod).map((v) => `${v.check}: ${v.detail}`)).toEqual([
      'seccompProfile_restricted: dev needs seccompProfile RuntimeDefault or Localhost',
      'capabilities_restricted: dev must drop ALL capabilities',
      'allowPrivilegeEscalation: kasmvnc must set allowPrivilegeEscalation=false',
      'seccompProfile_restricted: kasmvnc needs seccompProfile RuntimeDefault or Localhost',
      'capabilities_restricted: kasmvnc must drop ALL capabilities',
    ]);
    expect(podSecurityLevel(pod)).toBe('baseline');
    expect(podSecurityLevel({ spec: { ...pod.spec, hostNetwork: true } })).toBe('privileged');
  });

  it('a written exception lowers the namespace level to what the template needs, never further', () => {
    expect(workspacePodSecurityLevel({})).toBe('restricted');
    expect(
      workspacePodSecurityLevel({
        'pod-docker': { level: 'baseline', reason: 'docker-in-docker needs SETUID/SETGID' },
      }),
    ).toBe('baseline');
    expect(
      workspacePodSecurityLevel({ a: { level: 'baseline', reason: 'x' }, b: { level: 'privileged', reason: 'y' } }),
    ).toBe('privileged');
  });
});

describe('capability contract for pod templates', () => {
  it('rejects network-egress none on a Kubernetes base: the agent could not reach the access URL', async () => {
    const assets = await loadTemplateAssets();
    const pairing = {
      ...assets.pairings['pod-swdev']!,
      name: 'pod-offline',
      capabilities: { ...assets.pairings['pod-swdev']!.capabilities, 'network-egress': 'none' },
    };
    expect(() =>
      assertPairings({ ...assets, pairings: { ...assets.pairings, 'pod-offline': pairing } }, ['pod-offline']),
    ).toThrow(/network-egress none leaves the workspace agent no way/);
  });
});
