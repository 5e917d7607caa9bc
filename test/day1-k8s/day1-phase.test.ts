/**
 * The cluster side of day1 on the real engine, against a stateful kubectl/helm stand-in, Secrets Manager
 * mocked at the SDK, and a fake coderd: exact helm invocations, convergence on re-run, the phase order,
 * and sentinel secrets that must never reach the state directory, argv, events, outputs or errors.
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SecretStore } from '../../src/aws/secrets.js';
import { secretNames } from '../../src/deployment/outputs.js';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase, validatePhase } from '../../src/engine/run-phase.js';
import { readStatus } from '../../src/services/status.js';
import type { Phase, PhaseResult } from '../../src/engine/types.js';
import { buildCoderValues } from '../../src/phases/day1/helm-values/coder.js';
import { bundledWorkspaceRoleRules } from '../../src/phases/day1/workspace-rbac.js';
import { clusterSteps } from '../../src/phases/day1/cluster-steps.js';
import { DAY1_STEP_ORDER, day1Phase } from '../../src/phases/day1/service.js';
import { createDay1Services, type Day1Services } from '../../src/phases/day1/services.js';
import { FakeCluster } from './fake-cluster.js';
import { OIDC, testConfig, testOutputs } from './fixtures.js';

const DB_PASSWORD = 'S3ntinel/DB+pw@#%-9f2c';
const OIDC_SECRET = 'oidc-SENTINEL-7c1f09';
const PROVISIONER_KEY = 'provkey-SENTINEL-51ab';
const SESSION_TOKEN = 'session-SENTINEL-e0d4';
const SENTINELS = [DB_PASSWORD, encodeURIComponent(DB_PASSWORD), OIDC_SECRET, PROVISIONER_KEY, SESSION_TOKEN];

const config = testConfig('scale-3000', OIDC);
const outputs = testOutputs();
const sm = mockClient(SecretsManagerClient);

function notFound(): Error {
  return Object.assign(new Error('Secrets Manager can’t find the specified secret.'), {
    name: 'ResourceNotFoundException',
    $metadata: { httpStatusCode: 400 },
  });
}

let values: Record<string, string> = {};
beforeEach(() => {
  sm.reset();
  values = {
    [outputs.database.secretArn]: JSON.stringify({
      username: 'coder_admin',
      password: DB_PASSWORD,
      engine: 'postgres',
      port: 5432,
    }),
    'coder/oidc-client-secret': OIDC_SECRET,
    [secretNames(config.deployment.name).provisionerKey]: PROVISIONER_KEY,
    [secretNames(config.deployment.name).sessionToken]: SESSION_TOKEN,
  };
  sm.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
    const value = values[input.SecretId];
    if (value === undefined) throw notFound();
    return { SecretString: value };
  });
});
afterEach(() => sm.reset());

/** A coderd that is healthy at the configured version; daemons connect on the second poll. */
function fakeCoder(version = 'v2.35.3+e751b28') {
  let daemonPolls = 0;
  const requests: string[] = [];
  const fetchImpl = async (input: string | URL | Request): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    requests.push(url.pathname);
    const json = (body: unknown) =>
      new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    if (url.pathname === '/healthz') return new Response('OK', { status: 200 });
    if (url.pathname === '/api/v2/buildinfo') return json({ version, external_url: 'https://github.com/coder/coder' });
    if (url.pathname === '/api/v2/organizations/default/provisionerdaemons') {
      daemonPolls += 1;
      if (daemonPolls < 2) return json([]);
      return json(
        [1, 2, 3].map((i) => ({
          id: `d${i}`,
          name: `coder-provisioner-${i}`,
          key_name: config.coder.provisioners.keyName,
          status: 'idle',
          version: 'v2.35.3',
          tags: { scope: 'organization' },
        })),
      );
    }
    return new Response('{"message":"not found"}', { status: 404 });
  };
  return { fetch: fetchImpl as typeof fetch, requests };
}

async function services(cluster: FakeCluster, stateDir: string, coder = fakeCoder()): Promise<Day1Services> {
  return createDay1Services({
    config,
    stateDir,
    runner: cluster,
    secrets: new SecretStore(new SecretsManagerClient({ region: 'us-east-1' }), {}),
    readOutputs: async () => outputs,
    fetch: coder.fetch,
    pollMs: 1,
  });
}

/** The cluster steps alone (the Coder API steps are another suite's): the cross-set edge is dropped. */
function clusterPhase(): Phase<Day1Services> {
  return {
    name: 'day1',
    version: 1,
    steps: clusterSteps(config).map((s) => ({
      ...s,
      dependsOn: (s.dependsOn ?? []).filter((d) => d !== 'provisioner-key'),
    })),
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(await readFile(full, 'utf8'));
  }
  return out;
}

function expectNoSentinel(haystacks: Record<string, string>): void {
  for (const [where, text] of Object.entries(haystacks)) {
    for (const s of SENTINELS) expect(text.includes(s), `${where} contains a secret`).toBe(false);
  }
}

async function run(
  cluster: FakeCluster,
  stateDir: string,
  options: { verify?: boolean } = {},
): Promise<{ result: PhaseResult; host: RecordingHost }> {
  const host = new RecordingHost({ yes: true });
  const result = await runPhase(clusterPhase(), await services(cluster, stateDir), {
    deployment: config.deployment.name,
    stateDir,
    command: 'coder-platform day1',
    host,
    ...options,
  });
  return { result, host };
}

describe('day1 phase', () => {
  it('orders the cluster and Coder steps as designed', () => {
    const phase = day1Phase(config);
    validatePhase(phase);
    expect(phase.steps.map((s) => s.id)).toEqual([...DAY1_STEP_ORDER]);
    const deps = Object.fromEntries(phase.steps.map((s) => [s.id, s.dependsOn ?? []]));
    expect(deps['first-admin']).toContain('coder-healthy');
    expect(deps['provisioner-secret']).toContain('provisioner-key');
    expect(deps['templates']).toContain('provisioners-connected');
    expect(deps['coder-release']).toEqual(expect.arrayContaining(['addons', 'db-secret']));
    expect(deps['target-group-binding']).toEqual(['coder-release']);
  });
});

describe('day1 cluster steps', () => {
  it('installs add-ons, coder and the provisioners with the exact helm arguments, and converges on a re-run', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'day1-'));
    const cluster = new FakeCluster();
    // an older cluster whose gp2 class is still the default
    cluster.put({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'gp2', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'ebs.csi.aws.com',
    });
    const { result, host } = await run(cluster, stateDir);
    expect(result.status, JSON.stringify(result.steps.filter((s) => s.error))).toBe('succeeded');
    // status reports what the real steps recorded: the running Coder and the chart
    expect(
      (
        await readStatus({
          deployment: config.deployment.name,
          stateDir,
          globals: { configPath: 'c.yaml', stateDir: undefined, awsProfile: undefined, region: undefined },
        })
      ).versions,
    ).toEqual({ coder: '2.35.3', chart: '2.35.3' });
    expect(cluster.objects.get('storageclass//gp2')).toMatchObject({
      provisioner: 'ebs.csi.aws.com',
      metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } },
    });
    const kubeconfig = path.join(stateDir, 'kubeconfig');

    const upgrades = cluster.helmCalls('upgrade');
    expect(upgrades.map((c) => c.args[2])).toEqual([
      'aws-load-balancer-controller',
      'cluster-autoscaler',
      'coder',
      'coder-provisioner',
    ]);
    const coder = upgrades[2]!;
    expect(coder.args).toEqual([
      'upgrade',
      '--install',
      'coder',
      'coder',
      '--namespace',
      'coder',
      '--version',
      '2.35.3',
      '--repo',
      'https://helm.coder.com/v2',
      '--values',
      '-',
      '--wait',
      '--timeout',
      '900s',
      '--kubeconfig',
      kubeconfig,
    ]);
    expect(JSON.parse(coder.input!)).toEqual(buildCoderValues(config, outputs));
    expect(upgrades[3]!.args.slice(0, 6)).toEqual([
      'upgrade',
      '--install',
      'coder-provisioner',
      'coder-provisioner',
      '--namespace',
      'coder-prov',
    ]);
    expect(upgrades[0]!.args).toEqual(
      expect.arrayContaining(['--repo', 'https://aws.github.io/eks-charts', '--atomic']),
    );
    // every kubectl call uses the state directory's kubeconfig
    for (const c of cluster.calls.filter((x) => x.command === 'kubectl'))
      expect(c.args.slice(0, 2)).toEqual(['--kubeconfig', kubeconfig]);

    // the kubeconfig: this CLI's token command, in the state directory
    const kc = parse(await readFile(kubeconfig, 'utf8')) as { users: { user: { exec: { args: string[] } } }[] };
    expect(kc.users[0]!.user.exec.args.slice(-5)).toEqual([
      'eks-token',
      '--cluster-name',
      'coder-eks',
      '--region',
      'us-east-1',
    ]);

    // Kubernetes objects the design relies on
    expect(
      (cluster.objects.get('namespace//coder')!.metadata as { labels: Record<string, string> }).labels[
        'app.kubernetes.io/name'
      ],
    ).toBe('coder');
    expect(cluster.objects.get('storageclass//gp3')).toMatchObject({
      provisioner: 'ebs.csi.aws.com',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
      parameters: { encrypted: 'true', type: 'gp3' },
    });
    expect(cluster.objects.get('targetgroupbindings.elbv2.k8s.aws/coder/coder')).toMatchObject({
      spec: { targetGroupARN: outputs.edge.targetGroupArn, targetType: 'ip', serviceRef: { name: 'coder', port: 80 } },
    });
    const dbSecret = cluster.objects.get('secret/coder/coder-db-url') as { data: Record<string, string> };
    expect(Buffer.from(dbSecret.data.url!, 'base64').toString()).toBe(
      `postgres://coder_admin:${encodeURIComponent(DB_PASSWORD)}@${outputs.database.writerEndpoint}:5432/coder?sslmode=require`,
    );
    const keySecret = cluster.objects.get('secret/coder-prov/coder-provisioner-key') as {
      data: Record<string, string>;
    };
    expect(Buffer.from(keySecret.data.key!, 'base64').toString()).toBe(PROVISIONER_KEY);
    expect(result.outputs['provisioners-connected']).toMatchObject({ connected: 3 });
    expect(result.outputs['coder-healthy']).toMatchObject({ version: 'v2.35.3+e751b28' });

    // secrets: only on kubectl apply's stdin, nowhere else
    for (const c of cluster.calls) {
      const carriesSecret =
        c.input !== undefined &&
        [DB_PASSWORD, OIDC_SECRET, PROVISIONER_KEY].some(
          (s) =>
            c.input!.includes(Buffer.from(s).toString('base64')) ||
            c.input!.includes(s) ||
            c.input!.includes(encodeURIComponent(s)),
        );
      if (carriesSecret) expect(c.args.slice(2, 3)).toEqual(['apply']);
      if (c.input !== undefined && c.command === 'helm')
        expect(SENTINELS.some((s) => c.input!.includes(s))).toBe(false);
    }
    expect(
      cluster.calls.filter((c) => c.input?.includes(Buffer.from(OIDC_SECRET).toString('base64'))).length,
    ).toBeGreaterThan(0);
    expectNoSentinel({
      argv: cluster.calls.map((c) => c.args.join(' ')).join('\n'),
      events: JSON.stringify(host.events),
      result: JSON.stringify(result),
      stateDir: (await filesUnder(stateDir)).join('\n'),
    });

    // a re-run that re-probes every step finds everything in place: no helm or kubectl writes
    const before = cluster.calls.length;
    const again = await run(cluster, stateDir, { verify: true });
    expect(again.result.status).toBe('succeeded');
    const writes = cluster.calls
      .slice(before)
      .filter(
        (c) => (c.command === 'helm' && c.args[0] === 'upgrade') || (c.command === 'kubectl' && c.args[2] === 'apply'),
      );
    expect(writes).toEqual([]);

    // the workspace Role is the one derived from the templates, and the platform NetworkPolicies are in place
    expect(
      (
        cluster.objects.get('role.rbac.authorization.k8s.io/coder-ws/coder-provisioner-workspace-perms') as {
          rules: unknown;
        }
      ).rules,
    ).toEqual(await bundledWorkspaceRoleRules());
    expect([...cluster.objects.keys()].filter((k) => k.startsWith('networkpolicy.')).sort()).toEqual([
      'networkpolicy.networking.k8s.io/coder-prov/egress-outside-database',
      'networkpolicy.networking.k8s.io/coder-ws/default-deny',
      'networkpolicy.networking.k8s.io/coder/coderd-database',
      'networkpolicy.networking.k8s.io/coder/egress-outside-database',
      'networkpolicy.networking.k8s.io/coder/restore-test-database',
    ]);
    // a Role an older version left with broader rules is found and replaced on the next run
    cluster.objects.set('role.rbac.authorization.k8s.io/coder-ws/coder-provisioner-workspace-perms', {
      kind: 'Role',
      rules: [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['*'] }],
    });
    const third = await run(cluster, stateDir, { verify: true });
    expect(third.result.status).toBe('succeeded');
    expect(
      (
        cluster.objects.get('role.rbac.authorization.k8s.io/coder-ws/coder-provisioner-workspace-perms') as {
          rules: unknown;
        }
      ).rules,
    ).toEqual(await bundledWorkspaceRoleRules());
  });

  it('a rotated DB password and provisioner key are synced to Kubernetes and the pods restarted onto them', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'day1-rot-'));
    const cluster = new FakeCluster();
    expect((await run(cluster, stateDir)).result.status).toBe('succeeded');
    expect(cluster.calls.some((c) => c.args.includes('restart'))).toBe(false);
    const rotated = 'provkey-SENTINEL-rotated';
    values[secretNames(config.deployment.name).provisionerKey] = rotated;
    values[outputs.database.secretArn] = JSON.stringify({ username: 'coder_admin', password: 'rotated-DB-pw' });
    const before = cluster.calls.length;
    const again = await run(cluster, stateDir, { verify: true });
    expect(again.result.status).toBe('succeeded');
    const later = cluster.calls.slice(before);
    expect(
      later
        .filter((c) => c.command === 'kubectl' && c.args[2] === 'rollout' && c.args[3] === 'restart')
        .map((c) => c.args.slice(2))
        .sort(),
    ).toEqual([
      ['rollout', 'restart', 'deployment/coder', '--namespace', 'coder'],
      ['rollout', 'restart', 'deployment/coder-provisioner', '--namespace', 'coder-prov'],
    ]);
    const dbSecret = cluster.objects.get('secret/coder/coder-db-url') as { data: Record<string, string> };
    expect(Buffer.from(dbSecret.data.url!, 'base64').toString()).toContain(':rotated-DB-pw@');
    // the OIDC secret did not change, so it was not written again
    expect(later.filter((c) => c.input?.includes('"coder-oidc"'))).toEqual([]);
    const keySecret = cluster.objects.get('secret/coder-prov/coder-provisioner-key') as {
      data: Record<string, string>;
    };
    expect(Buffer.from(keySecret.data.key!, 'base64').toString()).toBe(rotated);
    expect(later.filter((c) => c.command === 'helm' && c.args[0] === 'upgrade')).toEqual([]);
  });

  it('a kubectl failure that echoes the database URL is reported without the secret', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'day1-fail-'));
    const cluster = new FakeCluster();
    const url = `postgres://coder_admin:${encodeURIComponent(DB_PASSWORD)}@${outputs.database.writerEndpoint}:5432/coder?sslmode=require`;
    cluster.failures.push({
      match: (c) => c.command === 'kubectl' && c.args[2] === 'apply' && (c.input ?? '').includes('coder-db-url'),
      stderr: `Error from server (Invalid): Secret "coder-db-url" is invalid: data[url]: Invalid value: "${url}" / ${Buffer.from(url).toString('base64')}`,
    });
    const { result, host } = await run(cluster, stateDir);
    expect(result.status).toBe('failed');
    const failed = result.steps.find((s) => s.status === 'failed');
    expect(failed?.id).toBe('db-secret');
    expect(failed?.error).toContain('[redacted]');
    expect(cluster.helmCalls('upgrade').map((c) => c.args[2])).not.toContain('coder');
    const haystacks = {
      events: JSON.stringify(host.events),
      result: JSON.stringify(result),
      stateDir: (await filesUnder(stateDir)).join('\n'),
    };
    expectNoSentinel(haystacks);
    // nor in a decodable form
    for (const text of Object.values(haystacks))
      expect(text).not.toContain(Buffer.from(url).toString('base64').slice(0, 40));
  });

  // One test per redaction path of the cluster steps (withSecrets around each step's probe and run): a tool
  // that echoes what it was sent or read must not carry the OIDC client secret or the provisioner key out.
  const echoes = (secret: string) =>
    `Error from server (Invalid): data: Invalid value: "${secret}" (${Buffer.from(secret).toString('base64')})`;
  const isCall = (verb: string, name: string) => (c: { command: string; args: string[]; input?: string }) =>
    c.command === 'kubectl' &&
    c.args[2] === verb &&
    (verb === 'apply' ? (c.input ?? '').includes(`"${name}"`) : c.args.includes(name));
  it.each([
    {
      path: 'db-secret run (OIDC client secret)',
      step: 'db-secret',
      secret: OIDC_SECRET,
      match: isCall('apply', 'coder-oidc'),
    },
    {
      path: 'db-secret probe (OIDC client secret)',
      step: 'db-secret',
      secret: OIDC_SECRET,
      match: isCall('get', 'coder-oidc'),
      probe: true,
    },
    {
      path: 'provisioner-secret run (provisioner key)',
      step: 'provisioner-secret',
      secret: PROVISIONER_KEY,
      match: isCall('apply', 'coder-provisioner-key'),
    },
    {
      path: 'provisioner-secret probe (provisioner key)',
      step: 'provisioner-secret',
      secret: PROVISIONER_KEY,
      match: isCall('get', 'coder-provisioner-key'),
      probe: true,
    },
  ])(
    'a kubectl failure in $path that echoes the secret is reported without it',
    async ({ step, secret, match, probe }) => {
      const stateDir = await mkdtemp(path.join(os.tmpdir(), 'day1-redact-'));
      const cluster = new FakeCluster();
      // A probe reads every secret only once they all exist: converge first, then re-probe with --verify.
      if (probe) expect((await run(cluster, stateDir)).result.status).toBe('succeeded');
      cluster.failures.push({ match, stderr: echoes(secret) });
      const { result, host } = await run(cluster, stateDir, { verify: probe === true });
      const failed = result.steps.find((s) => s.status === 'failed');
      expect(failed?.id).toBe(step);
      expect(failed?.error).toContain('[redacted]');
      const haystacks = {
        events: JSON.stringify(host.events),
        result: JSON.stringify(result),
        stateDir: (await filesUnder(stateDir)).join('\n'),
      };
      expectNoSentinel(haystacks);
      for (const text of Object.values(haystacks)) expect(text).not.toContain(Buffer.from(secret).toString('base64'));
    },
  );

  it('stops with a clear error when coderd serves another version than configured', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'day1-ver-'));
    const host = new RecordingHost({ yes: true });
    const cluster = new FakeCluster();
    const svc = await services(cluster, stateDir, fakeCoder('v2.34.0'));
    const result = await runPhase(clusterPhase(), svc, {
      deployment: config.deployment.name,
      stateDir,
      command: 'coder-platform day1',
      host,
    });
    const failed = result.steps.find((s) => s.status === 'failed');
    expect(failed?.id).toBe('coder-healthy');
    expect(failed?.error).toMatch(/serves Coder v2\.34\.0, expected 2\.35\.3/);
  });
});
