/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk untyped YAML/JSON documents */
/**
 * The values builders against the real charts: every key we set must exist in the chart's values.yaml
 * (the charts have no schema and ignore typos), and our decisions must match what the golden renders show.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  coderTargetGroupBinding,
  buildCoderValues,
  validateCoderValues,
} from '../../src/phases/day1/helm-values/coder.js';
import { buildProvisionerValues, validateProvisionerValues } from '../../src/phases/day1/helm-values/provisioner.js';
import {
  clusterAutoscalerValues,
  expanderPriorities,
  loadAddonCharts,
} from '../../src/phases/day1/helm-values/addons.js';
import { namespaceManifests } from '../../src/phases/day1/cluster-steps.js';
import { OIDC, chartDir, chartTestdata, testConfig, testOutputs } from './fixtures.js';
import { describeUpstream, itUpstream } from '../upstream.js';

const chartValues = (chart: 'coder' | 'provisioner') =>
  parse(readFileSync(path.join(chartDir(chart), 'values.yaml'), 'utf8')) as Record<string, unknown>;
const testdata = (chart: 'coder' | 'provisioner', name: string) =>
  readFileSync(path.join(chartTestdata(chart), name), 'utf8');

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Paths of `ours` the chart does not declare. We descend while the chart has a non-empty mapping; below
 * that, the chart key is free-form (a list such as `env`, an empty map such as `nodeSelector`, or a null
 * such as `resources`), and only the kind of value must agree.
 */
function unknownPaths(ours: unknown, chart: unknown, at = ''): string[] {
  if (!isMap(ours)) return [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(ours)) {
    const here = at ? `${at}.${key}` : key;
    const passThrough = PASS_THROUGH[here];
    if (passThrough) {
      // the chart renders this map verbatim into a Kubernetes object: its keys are that object's fields
      if (!isMap(value)) problems.push(`${here} (a Kubernetes object)`);
      else
        problems.push(
          ...Object.keys(value)
            .filter((k) => !passThrough.includes(k))
            .map((k) => `${here}.${k}`),
        );
      continue;
    }
    if (!isMap(chart) || !(key in chart)) {
      problems.push(here);
      continue;
    }
    const theirs = chart[key];
    if (isMap(theirs) && Object.keys(theirs).length > 0) {
      if (!isMap(value)) problems.push(`${here} (chart has a map)`);
      else problems.push(...unknownPaths(value, theirs, here));
    } else if (Array.isArray(theirs) && !Array.isArray(value)) problems.push(`${here} (chart has a list)`);
    else if (isMap(theirs) && !isMap(value)) problems.push(`${here} (chart has a map)`);
    else if (['string', 'number', 'boolean'].includes(typeof theirs) && typeof value !== typeof theirs)
      problems.push(`${here} (chart has a ${typeof theirs})`);
  }
  return problems;
}

/** core/v1 SecurityContext (container) fields. */
const CONTAINER_SECURITY_CONTEXT = [
  'allowPrivilegeEscalation',
  'appArmorProfile',
  'capabilities',
  'privileged',
  'procMount',
  'readOnlyRootFilesystem',
  'runAsGroup',
  'runAsNonRoot',
  'runAsUser',
  'seLinuxOptions',
  'seccompProfile',
  'windowsOptions',
];
/**
 * Chart keys rendered verbatim (`toYaml`) into a Kubernetes object, so fields the chart's values.yaml
 * does not list are still meaningful there: both charts put coder.securityContext on the container.
 */
const PASS_THROUGH: Record<string, string[]> = { 'coder.securityContext': CONTAINER_SECURITY_CONTEXT };

/** Why a container would be refused by Pod Security "restricted" (pod-security-standards, v1.25+). */
function restrictedViolations(sc: Record<string, any>, volumes: Record<string, unknown>[] = []): string[] {
  const problems: string[] = [];
  if (sc.runAsNonRoot !== true) problems.push('runAsNonRoot must be true');
  if (sc.runAsUser === 0) problems.push('runAsUser must not be 0');
  if (sc.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation must be false');
  if (sc.privileged === true) problems.push('privileged');
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push('capabilities.drop must contain ALL');
  if ((sc.capabilities?.add ?? []).some((c: string) => c !== 'NET_BIND_SERVICE'))
    problems.push('capabilities.add beyond NET_BIND_SERVICE');
  if (!['RuntimeDefault', 'Localhost'].includes(sc.seccompProfile?.type))
    problems.push('seccompProfile.type must be RuntimeDefault or Localhost');
  const allowed = [
    'configMap',
    'csi',
    'downwardAPI',
    'emptyDir',
    'ephemeral',
    'persistentVolumeClaim',
    'projected',
    'secret',
  ];
  for (const v of volumes)
    for (const k of Object.keys(v).filter((k) => k !== 'name'))
      if (!allowed.includes(k)) problems.push(`volume type ${k}`);
  return problems;
}

function envOf(values: Record<string, unknown>): Record<string, unknown> {
  const env = (values.coder as { env: { name: string; value?: string; valueFrom?: unknown }[] }).env;
  return Object.fromEntries(env.map((e) => [e.name, e.value ?? e.valueFrom]));
}

describe('coder chart values', () => {
  for (const profile of ['mvp-500', 'scale-3000'] as const) {
    itUpstream(`${profile} (with OIDC) uses only keys of the chart's values.yaml`, () => {
      const values = buildCoderValues(testConfig(profile, OIDC), testOutputs());
      expect(unknownPaths(values, chartValues('coder'))).toEqual([]);
      validateCoderValues(values);
    });
  }

  it('free-form values follow the Kubernetes shapes the chart passes through (EnvVar, resources, tolerations)', () => {
    for (const values of [
      buildCoderValues(testConfig('scale-3000', OIDC)),
      buildProvisionerValues(testConfig('mvp-500')),
    ]) {
      const coder = values.coder as Record<string, any>;
      for (const e of coder.env as Record<string, unknown>[]) {
        expect(Object.keys(e).sort(), JSON.stringify(e)).toSatisfy(
          (keys: string[]) => keys.join() === 'name,value' || keys.join() === 'name,valueFrom',
        );
        if ('value' in e) expect(typeof e.value).toBe('string');
      }
      expect(new Set((coder.env as { name: string }[]).map((e) => e.name)).size).toBe(coder.env.length);
      // the commented structure under coder.resources in values.yaml
      expect(Object.keys(coder.resources).sort()).toEqual(['limits', 'requests']);
      for (const t of coder.tolerations) expect(Object.keys(t).sort()).toEqual(['effect', 'key', 'operator', 'value']);
    }
  });

  itUpstream('the walker catches a silently ignored key such as a top-level podDisruptionBudget', () => {
    const values = { ...buildCoderValues(testConfig('mvp-500')), podDisruptionBudget: { minAvailable: 1 } };
    expect(unknownPaths(values, chartValues('coder'))).toEqual(['podDisruptionBudget']);
    expect(unknownPaths({ coder: { service: { typ: 'ClusterIP' } } }, chartValues('coder'))).toEqual([
      'coder.service.typ',
    ]);
    // under the pass-through securityContext only SecurityContext fields are allowed; strict elsewhere
    expect(
      unknownPaths(
        { coder: { securityContext: { capabilites: { drop: ['ALL'] }, capabilities: { drop: ['ALL'] } } } },
        chartValues('coder'),
      ),
    ).toEqual(['coder.securityContext.capabilites']);
    expect(
      unknownPaths(
        { coder: { capabilities: { drop: ['ALL'] }, podSecurityContext: { fsGroup: 1000 } } },
        chartValues('coder'),
      ),
    ).toEqual(['coder.capabilities']);
    expect(unknownPaths({ coder: { securityContext: true } }, chartValues('provisioner'))).toEqual([
      'coder.securityContext (a Kubernetes object)',
    ]);
  });

  itUpstream(
    'coderd and the provisioners are Pod Security "restricted"; the chart renders capabilities as the securitycontext golden shows',
    () => {
      const fixture = parse(testdata('coder', 'securitycontext.yaml')) as Record<string, any>;
      const golden = parseAllDocuments(testdata('coder', 'securitycontext.golden'))
        .map((d) => d.toJS() as Record<string, any>)
        .find((d) => d?.kind === 'Deployment')!;
      const rendered = golden.spec.template.spec.containers[0].securityContext as Record<string, any>;
      // the chart passes coder.securityContext through: the fixture's capabilities reach the container
      expect(rendered).toMatchObject(fixture.coder.securityContext);
      expect(golden.spec.template.spec.initContainers).toBeUndefined();
      for (const values of [
        buildCoderValues(testConfig('scale-3000', OIDC)),
        buildProvisionerValues(testConfig('mvp-500')),
        buildProvisionerValues(testConfig('scale-3000')),
      ]) {
        const coder = values.coder as Record<string, any>;
        expect(coder.securityContext).toMatchObject(fixture.coder.securityContext);
        expect(restrictedViolations(coder.securityContext, coder.volumes)).toEqual([]);
        expect(coder.securityContext.readOnlyRootFilesystem).toBe(true);
        // a read-only root needs writable emptyDirs for /tmp and the home directory
        const mounts = (coder.volumeMounts as { name: string; mountPath: string }[]).map((m) => m.mountPath);
        expect(mounts).toContain('/tmp');
        expect(mounts.some((m) => m === '/home/coder' || m.startsWith('/home/coder/'))).toBe(true);
        for (const m of coder.volumeMounts as { name: string }[])
          expect((coder.volumes as { name: string }[]).map((v) => v.name)).toContain(m.name);
      }
      // the chart default alone is not restricted (no capabilities dropped): that is why we set it
      expect(restrictedViolations((chartValues('provisioner').coder as Record<string, any>).securityContext)).toEqual([
        'capabilities.drop must contain ALL',
      ]);
    },
  );

  it('enforces Pod Security "restricted" on all three namespaces (coder-ws: see test/workspace-k8s for the templates)', () => {
    const labels = Object.fromEntries(
      namespaceManifests().map((n) => [(n.metadata as any).name, (n.metadata as any).labels as Record<string, string>]),
    );
    for (const ns of ['coder', 'coder-prov', 'coder-ws'])
      expect(labels[ns]).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      });
  });

  it('configures coderd for the EKS design: URLs, secrets by reference, provisioners off, hardening', () => {
    const config = testConfig('scale-3000', OIDC);
    const values = buildCoderValues(config, testOutputs());
    const env = envOf(values);
    expect(env).toMatchObject({
      CODER_ACCESS_URL: 'https://coder.example.com',
      CODER_WILDCARD_ACCESS_URL: '*.coder.example.com',
      CODER_PG_CONNECTION_URL: { secretKeyRef: { name: 'coder-db-url', key: 'url' } },
      CODER_PROVISIONER_DAEMONS: '0',
      CODER_PROMETHEUS_ENABLE: 'true',
      CODER_PROMETHEUS_ADDRESS: '0.0.0.0:2112',
      CODER_SECURE_AUTH_COOKIE: 'true',
      CODER_STRICT_TRANSPORT_SECURITY: '31536000',
      CODER_STRICT_TRANSPORT_SECURITY_OPTIONS: 'includeSubDomains',
      CODER_OIDC_ISSUER_URL: 'https://idp.example.com',
      CODER_OIDC_CLIENT_ID: 'coder-client',
      CODER_OIDC_CLIENT_SECRET: { secretKeyRef: { name: 'coder-oidc', key: 'client-secret' } },
      CODER_OIDC_GROUP_FIELD: 'groups',
      CODER_OIDC_GROUP_REGEX_FILTER: '^coder-.*|^developers$',
      CODER_OIDC_USER_ROLE_FIELD: 'roles',
      CODER_OIDC_EMAIL_DOMAIN: 'example.com',
    });
    // no secret reference string leaks into values
    expect(JSON.stringify(values)).not.toContain('coder/oidc-client-secret');
    const coder = values.coder as Record<string, any>;
    expect(coder.image.tag).toBe(`v${config.coder.version}`);
    expect(coder.replicaCount).toBe(2);
    expect(coder.resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: '2000m', memory: '4Gi' },
    });
    expect(coder.nodeSelector).toEqual({ 'coder.com/node-type': 'control' });
    expect(coder.tolerations).toEqual([
      { key: 'coder-control', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
    ]);
    expect(coder.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]).toMatchObject({
      weight: 100,
      podAffinityTerm: { topologyKey: 'topology.kubernetes.io/zone' },
    });
    expect(coder.service.type).toBe('ClusterIP');
    expect(coder.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      seccompProfile: { type: 'RuntimeDefault' },
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const pdb = parse((values.extraTemplates as string[])[0]!) as Record<string, any>;
    expect(pdb).toMatchObject({
      kind: 'PodDisruptionBudget',
      spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'coder' } } },
    });
  });

  it('without OIDC sets no OIDC variables; a mismatching deployed access URL is refused', () => {
    const env = envOf(buildCoderValues(testConfig('mvp-500')));
    expect(Object.keys(env).filter((k) => k.startsWith('CODER_OIDC'))).toEqual([]);
    const outputs = testOutputs();
    expect(() =>
      buildCoderValues(testConfig('mvp-500'), { edge: { ...outputs.edge, accessUrl: 'https://other.example.com' } }),
    ).toThrow(/serves https:\/\/other\.example\.com/);
  });

  itUpstream(
    'matches the golden renders we depend on: prometheus port only for literal "true", Service port 80 → http, default anti-affinity on release "coder"',
    () => {
      const prometheus = parse(testdata('coder', 'prometheus.yaml')) as Record<string, any>;
      const ours = envOf(buildCoderValues(testConfig('mvp-500')));
      const theirs = Object.fromEntries(
        (prometheus.coder.env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
      );
      expect(ours.CODER_PROMETHEUS_ENABLE).toBe(theirs.CODER_PROMETHEUS_ENABLE);
      const docs = parseAllDocuments(testdata('coder', 'prometheus.golden'))
        .map((d) => d.toJS() as Record<string, any>)
        .filter(Boolean);
      const deployment = docs.find((d) => d.kind === 'Deployment')!;
      expect(
        deployment.spec.template.spec.containers[0].ports.map((p: { containerPort: number }) => p.containerPort),
      ).toContain(2112);
      const service = parseAllDocuments(testdata('coder', 'default_values.golden'))
        .map((d) => d.toJS() as Record<string, any>)
        .find((d) => d?.kind === 'Service')!;
      expect(service.spec.ports[0]).toMatchObject({ port: 80, targetPort: 'http' });
      // our TargetGroupBinding targets exactly that port
      expect(coderTargetGroupBinding(testOutputs())).toMatchObject({
        apiVersion: 'elbv2.k8s.aws/v1beta1',
        spec: { serviceRef: { name: 'coder', port: 80 }, targetType: 'ip' },
      });
    },
  );

  itUpstream('refuses what the chart refuses (missing_values) with the chart message', () => {
    expect(() =>
      validateCoderValues((parse(testdata('coder', 'missing_values.yaml')) ?? {}) as Record<string, unknown>),
    ).toThrow("You must specify the coder.image.tag value if you're installing the Helm chart directly from Git.");
  });
});

describeUpstream('coder-provisioner chart values', () => {
  it('uses only keys of the chart values.yaml and authenticates with the key secret', () => {
    const config = testConfig('scale-3000');
    const values = buildProvisionerValues(config);
    expect(unknownPaths(values, chartValues('provisioner'))).toEqual([]);
    validateProvisionerValues(values);
    const v = values as Record<string, any>;
    expect(v.provisionerDaemon).toEqual({
      pskSecretName: '',
      keySecretName: 'coder-provisioner-key',
      keySecretKey: 'key',
      terminationGracePeriodSeconds: 600,
    });
    expect(v.coder.replicaCount).toBe(3);
    expect(v.coder.nodeSelector).toEqual({ 'coder.com/node-type': 'provisioner' });
    expect(v.coder.tolerations).toEqual([
      { key: 'coder-prov', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
    ]);
    expect(v.coder.env).toContainEqual({ name: 'CODER_URL', value: 'http://coder.coder.svc.cluster.local' });
  });

  it('makes the decision of the provisionerd_key_psk_empty_workaround golden: key env from our secret, no PSK', () => {
    const fixture = parse(testdata('provisioner', 'provisionerd_key_psk_empty_workaround.yaml')) as Record<string, any>;
    const ours = buildProvisionerValues(testConfig('mvp-500')) as Record<string, any>;
    expect(Object.keys(ours.provisionerDaemon).sort()).toEqual(
      expect.arrayContaining(Object.keys(fixture.provisionerDaemon).sort()),
    );
    expect(ours.provisionerDaemon.pskSecretName).toBe(fixture.provisionerDaemon.pskSecretName);
    const deployment = parseAllDocuments(testdata('provisioner', 'provisionerd_key_psk_empty_workaround.golden'))
      .map((d) => d.toJS() as Record<string, any>)
      .find((d) => d?.kind === 'Deployment')!;
    const env = deployment.spec.template.spec.containers[0].env as { name: string; valueFrom?: any }[];
    expect(env.find((e) => e.name === 'CODER_PROVISIONER_DAEMON_KEY')?.valueFrom.secretKeyRef).toEqual({
      name: fixture.provisionerDaemon.keySecretName,
      key: fixture.provisionerDaemon.keySecretKey,
    });
    expect(env.some((e) => e.name === 'CODER_PROVISIONER_DAEMON_PSK')).toBe(false);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(
      ours.provisionerDaemon.terminationGracePeriodSeconds,
    );
  });

  it.each([
    [
      'provisionerd_psk_and_key.yaml',
      'Either provisionerDaemon.pskSecretName or provisionerDaemon.keySecretName must be specified, but not both.',
    ],
    [
      'provisionerd_no_psk_or_key.yaml',
      'Either provisionerDaemon.pskSecretName or provisionerDaemon.keySecretName must be specified.',
    ],
    ['provisionerd_key_tags.yaml', 'provisionerDaemon.tags may not be specified with provisionerDaemon.keySecretName.'],
    [
      'missing_values.yaml',
      "You must specify the coder.image.tag value if you're installing the Helm chart directly from Git.",
    ],
  ])('refuses %s like the chart does', (file, message) => {
    expect(() =>
      validateProvisionerValues((parse(testdata('provisioner', file)) ?? {}) as Record<string, unknown>),
    ).toThrow(message);
  });

  it.each(['provisionerd_key.yaml', 'provisionerd_key_psk_empty_workaround.yaml', 'provisionerd_psk.yaml'])(
    'accepts %s (renders upstream)',
    (file) => {
      expect(() =>
        validateProvisionerValues(parse(testdata('provisioner', file)) as Record<string, unknown>),
      ).not.toThrow();
    },
  );
});

describe('add-ons', () => {
  it('pins every add-on chart and prefers the Spot workspace group over its on-demand fallback', async () => {
    const charts = await loadAddonCharts();
    for (const chart of Object.values(charts)) expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    const tiers = expanderPriorities(testConfig('scale-3000'), testOutputs());
    expect(tiers['50']).toEqual(['^eks-coder-ws-spot-ng-.*']);
    expect(tiers['10']).toEqual(['^eks-coder-ws-od-ng-.*']);
    const values = clusterAutoscalerValues(testConfig('scale-3000'), testOutputs()) as Record<string, any>;
    expect(values.extraArgs.expander).toMatch(/^priority/);
    expect(values.rbac.serviceAccount.name).toBe('cluster-autoscaler');
    expect(values.tolerations).toEqual([
      { key: 'coder-control', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
    ]);
  });
});
