/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk untyped YAML/JSON documents */
/** helm, kubectl, kubeconfig and the EKS token: exact arguments, stdin only, state directory only. */
import { mkdtemp, readFile, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ExternalError } from '../../src/errors.js';
import { connectCluster } from '../../src/k8s/access.js';
import { createExecaRunner } from '../../src/k8s/exec.js';
import { eksExecCredential, EKS_TOKEN_PREFIX } from '../../src/k8s/eks-token.js';
import { Helm, chartSource } from '../../src/k8s/helm.js';
import { Kubectl } from '../../src/k8s/kubectl.js';
import { buildKubeconfig, writeKubeconfig } from '../../src/k8s/kubeconfig.js';
import { FakeRunner } from './fake-runner.js';

const KC = '/state/kubeconfig';

describe('Helm', () => {
  it('upgrade --install passes the exact arguments and the values on stdin only', async () => {
    const runner = new FakeRunner();
    const helm = new Helm(runner, { kubeconfig: KC });
    const source = chartSource({ name: 'coder', version: '2.35.3', repository: 'https://helm.coder.com/v2' });
    await helm.upgradeInstall({
      release: 'coder',
      ...source,
      namespace: 'coder',
      values: { coder: { replicaCount: 2 } },
      wait: true,
      atomic: true,
      timeoutSeconds: 900,
    });
    expect(runner.calls).toEqual([
      {
        command: 'helm',
        args: [
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
          '--atomic',
          '--timeout',
          '900s',
          '--kubeconfig',
          KC,
        ],
        input: JSON.stringify({ coder: { replicaCount: 2 } }),
      },
    ]);
  });

  it('uses the local archive for air-gapped sites and an oci:// reference without --repo', () => {
    expect(
      chartSource({ name: 'coder-provisioner', version: '2.35.3', repository: 'https://x', archiveDir: '/charts' }),
    ).toEqual({ chart: '/charts/coder-provisioner-2.35.3.tgz' });
    expect(chartSource({ name: 'coder', version: '2.35.3', repository: 'oci://ghcr.io/coder/chart/' })).toEqual({
      chart: 'oci://ghcr.io/coder/chart/coder',
      version: '2.35.3',
    });
  });

  it('reports a helm failure with its stderr and the command line', async () => {
    const runner = new FakeRunner().on(() => ({
      exitCode: 1,
      stderr: 'Error: UPGRADE FAILED: context deadline exceeded\n',
    }));
    const helm = new Helm(runner, { kubeconfig: KC });
    const error = await helm
      .upgradeInstall({ release: 'coder', chart: 'coder', namespace: 'coder', values: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as ExternalError).system).toBe('helm');
    expect((error as ExternalError).operation).toBe(
      `helm upgrade --install coder coder --namespace coder --values - --kubeconfig ${KC}`,
    );
    expect((error as Error).message).toContain('UPGRADE FAILED: context deadline exceeded');
  });

  it('status/history treat "release: not found" as absent and parse JSON otherwise', async () => {
    const runner = new FakeRunner()
      .on((c) => (c.args[1] === 'missing' ? { exitCode: 1, stderr: 'Error: release: not found' } : undefined))
      .on((c) =>
        c.args[0] === 'history'
          ? {
              stdout:
                '[{"revision":1,"status":"deployed","chart":"coder-2.35.3","app_version":"2.35.3","updated":"x","description":"Install complete"}]',
            }
          : undefined,
      );
    const helm = new Helm(runner, { kubeconfig: KC });
    expect(await helm.status('missing', 'coder')).toBeUndefined();
    expect(await helm.history('missing', 'coder')).toEqual([]);
    expect((await helm.history('coder', 'coder'))[0]?.revision).toBe(1);
    expect(runner.calls.at(-1)?.args).toEqual([
      'history',
      'coder',
      '--namespace',
      'coder',
      '--output',
      'json',
      '--kubeconfig',
      KC,
    ]);
  });

  it('checks that a chart version exists in the repository', async () => {
    const runner = new FakeRunner().on((c) =>
      c.args.includes('9.9.9')
        ? {
            exitCode: 1,
            stderr: 'Error: chart "coder" version "9.9.9" not found in https://helm.coder.com/v2 repository',
          }
        : undefined,
    );
    const helm = new Helm(runner, { kubeconfig: KC });
    expect(
      await helm.chartVersionExists({ chart: 'coder', repo: 'https://helm.coder.com/v2', version: '2.35.3' }),
    ).toBe(true);
    expect(await helm.chartVersionExists({ chart: 'coder', repo: 'https://helm.coder.com/v2', version: '9.9.9' })).toBe(
      false,
    );
    expect(runner.calls[0]?.args).toEqual([
      'show',
      'chart',
      'coder',
      '--repo',
      'https://helm.coder.com/v2',
      '--version',
      '2.35.3',
    ]);
    expect(await helm.chartVersionExists({ chart: '/nonexistent/coder-2.35.3.tgz' })).toBe(false);
  });
});

describe('Kubectl', () => {
  it('applies manifests and secrets on stdin, never in argv', async () => {
    const runner = new FakeRunner();
    const kubectl = new Kubectl(runner, { kubeconfig: KC });
    await kubectl.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'coder' } }]);
    await kubectl.createSecret('coder-db-url', 'coder', { url: 'postgres://u:SENTINEL-PW@h:5432/coder' });
    const applyArgs = [
      '--kubeconfig',
      KC,
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=coder-platform',
      '-f',
      '-',
    ];
    expect(runner.calls.map((c) => c.args)).toEqual([applyArgs, applyArgs]);
    expect(JSON.parse(runner.calls[0]!.input!)).toEqual({
      apiVersion: 'v1',
      kind: 'List',
      items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'coder' } }],
    });
    const secret = JSON.parse(runner.calls[1]!.input!) as {
      kind: string;
      metadata: { name: string; namespace: string };
      data: Record<string, string>;
    };
    expect(secret).toMatchObject({ kind: 'Secret', metadata: { name: 'coder-db-url', namespace: 'coder' } });
    expect(Buffer.from(secret.data.url!, 'base64').toString()).toBe('postgres://u:SENTINEL-PW@h:5432/coder');
    expect(runner.calls.flatMap((c) => c.args).join(' ')).not.toContain('SENTINEL');
  });

  it('get returns undefined for a missing object and parses an existing one', async () => {
    const runner = new FakeRunner().on((c) =>
      c.args.includes('present') ? { stdout: '{"kind":"Namespace","metadata":{"name":"present"}}' } : { stdout: '' },
    );
    const kubectl = new Kubectl(runner, { kubeconfig: KC });
    expect(await kubectl.get('namespace', 'absent')).toBeUndefined();
    expect(await kubectl.get<{ kind: string }>('namespace', 'present')).toMatchObject({ kind: 'Namespace' });
    expect(runner.calls[0]?.args).toEqual([
      '--kubeconfig',
      KC,
      'get',
      'namespace',
      'absent',
      '--ignore-not-found',
      '--output',
      'json',
    ]);
  });

  it('rolloutStatus and waitForJob', async () => {
    const runner = new FakeRunner().on((c) =>
      c.args.includes('job')
        ? { stdout: JSON.stringify({ status: { conditions: [{ type: 'Failed', status: 'True' }] } }) }
        : undefined,
    );
    const kubectl = new Kubectl(runner, { kubeconfig: KC });
    await kubectl.rolloutStatus('deployment', 'coder', 'coder', 600);
    expect(runner.calls[0]?.args).toEqual([
      '--kubeconfig',
      KC,
      'rollout',
      'status',
      'deployment/coder',
      '--namespace',
      'coder',
      '--timeout=600s',
    ]);
    expect(await kubectl.waitForJob('restore', 'coder', 10, 1)).toBe('failed');
  });
});

describe('the execa runner', () => {
  it('turns a non-zero exit into ExternalError with stderr, and passes stdin', async () => {
    const runner = createExecaRunner();
    const ok = await runner.run(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], { input: 'hello' });
    expect(ok).toMatchObject({ stdout: 'hello', exitCode: 0 });
    const error = await runner
      .run(process.execPath, ['-e', 'console.error("boom on stderr"); process.exit(3)'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as Error).message).toContain('exit code 3: boom on stderr');
    const missing = await runner.run('definitely-not-a-command-xyz', []).catch((e: unknown) => e);
    expect((missing as Error).message).toContain('not installed');
  });
});

describe('kubeconfig', () => {
  const cluster = { name: 'coder-eks', endpoint: 'https://ABC.eks.amazonaws.com', certificateAuthority: 'Q0EK' };

  it('uses this CLI as the exec credential by default and aws eks get-token for authMethod aws-cli', () => {
    const own = buildKubeconfig({
      cluster,
      region: 'us-east-1',
      authMethod: 'coder-platform',
      awsProfile: 'ops',
      selfCommand: { command: '/usr/bin/node', args: ['/opt/cp/bin/run.js'] },
    }) as any;
    expect(own.users[0].user.exec).toMatchObject({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: '/usr/bin/node',
      args: ['/opt/cp/bin/run.js', 'eks-token', '--cluster-name', 'coder-eks', '--region', 'us-east-1'],
      env: [{ name: 'AWS_PROFILE', value: 'ops' }],
    });
    expect(own.clusters[0].cluster).toEqual({ server: cluster.endpoint, 'certificate-authority-data': 'Q0EK' });
    const cli = buildKubeconfig({ cluster, region: 'eu-west-1', authMethod: 'aws-cli' }) as any;
    expect(cli.users[0].user.exec).toMatchObject({
      command: 'aws',
      args: ['eks', 'get-token', '--cluster-name', 'coder-eks', '--region', 'eu-west-1', '--output', 'json'],
    });
  });

  it('is written under the state directory only, mode 0600, and rewritten only when it changes', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'kc-home-'));
    const stateDir = path.join(home, 'state');
    const first = await writeKubeconfig(stateDir, { cluster, region: 'us-east-1', authMethod: 'aws-cli' });
    expect(first).toEqual({ path: path.join(stateDir, 'kubeconfig'), changed: true });
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    expect(await readdir(home)).toEqual(['state']);
    expect(await readdir(stateDir)).toEqual(['kubeconfig']);
    expect(parse(await readFile(first.path, 'utf8'))['current-context']).toBe('coder-eks');
    expect((await writeKubeconfig(stateDir, { cluster, region: 'us-east-1', authMethod: 'aws-cli' })).changed).toBe(
      false,
    );
  });
});

describe('connectCluster', () => {
  it('writes the kubeconfig for the deployed cluster and binds helm and kubectl to it', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'kc-conn-'));
    const runner = new FakeRunner().on((c) =>
      c.command === 'helm'
        ? { stdout: '{"name":"coder","namespace":"coder","version":3,"info":{"status":"deployed"}}' }
        : undefined,
    );
    const access = await connectCluster({
      stateDir,
      config: { aws: { region: 'us-east-1' }, cluster: { authMethod: 'aws-cli' } } as never,
      outputs: { cluster: { name: 'coder-eks', endpoint: 'https://x', certificateAuthority: 'Q0EK' } } as never,
      runner,
    });
    expect(access.kubeconfig).toBe(path.join(stateDir, 'kubeconfig'));
    expect((await access.helm.status('coder', 'coder'))?.version).toBe(3);
    await access.kubectl.get('deployment', 'coder', 'coder');
    expect(runner.calls.map((c) => c.args.join(' '))).toEqual([
      `status coder --namespace coder --output json --kubeconfig ${access.kubeconfig}`,
      `--kubeconfig ${access.kubeconfig} get deployment coder --ignore-not-found --output json --namespace coder`,
    ]);
  });
});

describe('eks-token', () => {
  it('produces an ExecCredential whose token is a presigned STS GetCallerIdentity URL bound to the cluster', async () => {
    const now = new Date('2026-11-23T19:00:00.000Z');
    const credential = await eksExecCredential({
      clusterName: 'coder-eks',
      region: 'us-east-1',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        sessionToken: 'SESSION',
      },
      now,
    });
    expect(credential).toMatchObject({
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      status: { expirationTimestamp: '2026-11-23T19:14:00Z' },
    });
    const token = credential.status.token;
    expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
    expect(token).not.toMatch(/[=+/]/);
    const url = new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
    expect(url.origin).toBe('https://sts.us-east-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('Version')).toBe('2011-06-15');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261123/us-east-1/sts/aws4_request');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261123T190000Z');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('SESSION');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // the signature depends on the cluster name (it is a signed header)
    const other = await eksExecCredential({
      clusterName: 'other',
      region: 'us-east-1',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        sessionToken: 'SESSION',
      },
      now,
    });
    expect(other.status.token).not.toBe(token);
  });
});
