/**
 * day2 upgrade on the real engine with mocked EKS and RDS (aws-sdk-client-mock), a fake Helm and a fake
 * Coder API: gate refusals, the snapshot before helm, the automatic rollback, and the Kubernetes order.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeAddonCommand,
  DescribeAddonVersionsCommand,
  DescribeClusterCommand,
  DescribeInsightCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  ListAddonsCommand,
  ListInsightsCommand,
  ListUpdatesCommand,
  UpdateAddonCommand,
  UpdateClusterVersionCommand,
  UpdateNodegroupVersionCommand,
} from '@aws-sdk/client-eks';
import { CreateDBClusterSnapshotCommand, DescribeDBClusterSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import { readStatus } from '../../src/services/status.js';
import type { Phase } from '../../src/engine/types.js';
import type { PhaseRunner } from '../../src/phases/day2/phase-runner.js';
import { runUpgrade, type UpgradeOptions } from '../../src/phases/day2/upgrade/service.js';
import type { UpgradeHelm } from '../../src/phases/day2/upgrade/phase.js';
import { chartSource } from '../../src/k8s/helm.js';

const CONFIG = `# coder-platform configuration
apiVersion: coder-platform/v1
profile: mvp-500
deployment:
  name: demo
aws:
  region: us-east-1
dns:
  domain: example.com
cluster:
  kubernetesVersion: "1.33" # EKS standard support
coder:
  version: 2.35.3 # pinned; day2 upgrade moves it
  admin:
    email: admin@example.com
    username: admin
`;

const creds = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };

class FakeHelm implements UpgradeHelm {
  failOn = new Set<string>();
  constructor(
    private readonly log: string[],
    private readonly coder: FakeCoder,
  ) {}
  values: Record<string, Record<string, unknown>[]> = {};
  async upgradeInstall(o: { release: string; version?: string; values: Record<string, unknown> }): Promise<void> {
    this.log.push(`helm upgrade ${o.release} ${o.version ?? ''}`);
    (this.values[o.release] ??= []).push(o.values);
    if (this.failOn.has(o.release))
      throw new Error(`UPGRADE FAILED: timed out waiting for the condition (${o.release})`);
    if (o.release === 'coder' && o.version) this.coder.version = `v${o.version}+abc123`;
    this.deployedChart[o.release] = `${o.release}-${o.version ?? ''}`;
  }
  async rollback(release: string, _ns: string, revision?: number): Promise<void> {
    this.log.push(`helm rollback ${release} ${revision ?? ''}`);
  }
  deployedChart: Record<string, string> = { coder: 'coder-2.35.3', 'coder-provisioner': 'coder-provisioner-2.35.3' };
  async history(release: string): Promise<{ revision: number; status: string; chart: string }[]> {
    return [
      { revision: 3, status: 'superseded', chart: 'x' },
      { revision: 4, status: 'deployed', chart: this.deployedChart[release] as string },
    ];
  }
  async getValues(release: string): Promise<Record<string, unknown>> {
    return {
      coder: {
        replicaCount: 2,
        image: { repo: 'ghcr.io/coder/coder', tag: 'v2.35.3' },
        env: [{ name: 'CODER_ACCESS_URL', value: 'https://coder.example.com' }],
      },
      release,
    };
  }
  async chartVersionExists(source: { version?: string }): Promise<boolean> {
    return source.version !== '2.99.0';
  }
}

class FakeCoder {
  version = 'v2.35.3+1a2b3c';
  async healthz(): Promise<boolean> {
    return true;
  }
  async buildInfo(): Promise<{ version: string }> {
    return { version: this.version };
  }
}

async function setup(opts: Partial<UpgradeOptions>) {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'day2-upgrade-'));
  const configPath = path.join(stateDir, 'coder-platform.yaml');
  await writeFile(configPath, CONFIG);
  const log: string[] = [];
  const eks = new EKSClient(creds);
  const rds = new RDSClient(creds);
  const eksMock = mockClient(eks);
  const rdsMock = mockClient(rds);
  const cluster = { version: '1.33', status: 'ACTIVE' };
  const groups: Record<string, string> = { 'demo-control': '1.33', 'demo-prov': '1.33', 'demo-ws': '1.33' };
  eksMock.on(DescribeClusterCommand).callsFake(() => ({ cluster: { name: 'demo', ...cluster } }));
  eksMock.on(UpdateClusterVersionCommand).callsFake((i: { version: string }) => {
    log.push(`eks control-plane ${i.version}`);
    cluster.version = i.version;
    return { update: { id: 'u-cp' } };
  });
  const groupStatus: Record<string, string> = {};
  eksMock.on(DescribeNodegroupCommand).callsFake((i: { nodegroupName: string }) => ({
    nodegroup: { version: groups[i.nodegroupName], status: groupStatus[i.nodegroupName] ?? 'ACTIVE' },
  }));
  eksMock.on(UpdateNodegroupVersionCommand).callsFake((i: { nodegroupName: string; version: string }) => {
    if (groupStatus[i.nodegroupName] === 'UPDATING')
      throw Object.assign(new Error('Nodegroup cannot be updated as it is currently not in Active State'), {
        name: 'ResourceInUseException',
      });
    log.push(`eks nodegroup ${i.nodegroupName} ${i.version}`);
    groups[i.nodegroupName] = i.version;
    return { update: { id: `u-${i.nodegroupName}` } };
  });
  eksMock.on(DescribeUpdateCommand).resolves({ update: { status: 'Successful' } });
  eksMock.on(ListInsightsCommand).resolves({
    insights: [
      { id: 'i-1', name: 'Deprecated APIs removed in Kubernetes v1.34', insightStatus: { status: 'PASSING' } },
    ],
  });
  eksMock.on(DescribeInsightCommand).resolves({ insight: { recommendation: 'n/a' } });
  eksMock.on(ListAddonsCommand).resolves({ addons: ['vpc-cni', 'coredns'] });
  const addonVersions: Record<string, string> = { 'vpc-cni': 'v1.20.0-eksbuild.1', coredns: 'v1.11.4-eksbuild.2' };
  eksMock
    .on(DescribeAddonCommand)
    .callsFake((i: { addonName: string }) => ({ addon: { addonVersion: addonVersions[i.addonName] } }));
  eksMock.on(DescribeAddonVersionsCommand).callsFake((i: { addonName: string }) => ({
    addons: [
      {
        addonName: i.addonName,
        addonVersions:
          i.addonName === 'vpc-cni'
            ? [
                {
                  addonVersion: 'v1.20.0-eksbuild.1',
                  compatibilities: [{ clusterVersion: '1.34', defaultVersion: true }],
                },
              ]
            : [
                {
                  addonVersion: 'v1.12.1-eksbuild.1',
                  compatibilities: [{ clusterVersion: '1.34', defaultVersion: true }],
                },
                {
                  addonVersion: 'v1.12.2-eksbuild.1',
                  compatibilities: [{ clusterVersion: '1.34', defaultVersion: false }],
                },
              ],
      },
    ],
  }));
  eksMock.on(UpdateAddonCommand).callsFake((i: { addonName: string; addonVersion: string }) => {
    log.push(`eks addon ${i.addonName} ${i.addonVersion}`);
    addonVersions[i.addonName] = i.addonVersion;
    return { update: { id: `u-${i.addonName}` } };
  });
  const snapshots = new Map<string, string>();
  rdsMock.on(DescribeDBClusterSnapshotsCommand).callsFake((i: { DBClusterSnapshotIdentifier: string }) => {
    const status = snapshots.get(i.DBClusterSnapshotIdentifier);
    if (status === undefined) throw Object.assign(new Error('not found'), { name: 'DBClusterSnapshotNotFoundFault' });
    snapshots.set(i.DBClusterSnapshotIdentifier, 'available');
    return { DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: i.DBClusterSnapshotIdentifier, Status: status }] };
  });
  rdsMock.on(CreateDBClusterSnapshotCommand).callsFake((i: { DBClusterSnapshotIdentifier: string }) => {
    log.push(`snapshot ${i.DBClusterSnapshotIdentifier}`);
    snapshots.set(i.DBClusterSnapshotIdentifier, 'creating');
    return {};
  });
  const coder = new FakeCoder();
  const helm = new FakeHelm(log, coder);
  const host = new RecordingHost();
  const options: UpgradeOptions = {
    deployment: 'demo',
    configPath,
    stateDir,
    clusterName: 'demo',
    chartSource: (chart, version) => chartSource({ name: chart, version, repository: 'https://helm.coder.com/v2' }),
    releases: [
      { release: 'coder', namespace: 'coder', chart: 'coder' },
      { release: 'coder-provisioner', namespace: 'coder-prov', chart: 'coder-provisioner' },
    ],
    database: {
      engine: 'aurora-serverless-v2',
      clusterIdentifier: 'demo-db',
      instanceIdentifier: 'demo-db-writer',
      subnetGroupName: 'demo-db-subnets',
      securityGroupId: 'sg-db',
    },
    nodeGroups: [
      { configName: 'coder-control', eksName: 'demo-control' },
      { configName: 'coder-prov', eksName: 'demo-prov' },
      { configName: 'coder-ws', eksName: 'demo-ws' },
    ],
    pollIntervalMs: 0,
    verifyTimeoutSeconds: 1,
    ...opts,
  };
  let now = Date.parse('2026-11-20T12:00:00Z');
  const kubectl = {
    apply: async (manifests: object[]) => void log.push(...manifests.map((m) => `scale ${JSON.stringify(m)}`)),
  };
  const services = { eks, rds, helm, coder, kubectl, now: () => new Date((now += 1000)) };
  const run: PhaseRunner = (phase, s, overrides) =>
    runPhase(phase as Phase<typeof s>, s, {
      deployment: 'demo',
      stateDir,
      command: 'coder-platform day2 upgrade',
      host,
      ...overrides,
    });
  return { log, helm, coder, host, options, services, run, eksMock, stateDir, configPath, groups, groupStatus };
}

describe('day2 upgrade gate', () => {
  it('refuses a Coder downgrade and says it needs a database restore; nothing is touched', async () => {
    const s = await setup({ coderVersion: '2.34.2' });
    const out = await runUpgrade(s.options, s.services, s.run);
    expect(out.phase.status).toBe('failed');
    expect(out.phase.failure?.stepId).toBe('gate');
    expect(out.phase.failure?.error).toMatch(/older than the running 2\.35\.3.*restored from a snapshot/);
    expect(s.log).toEqual([]);
  });

  it('refuses a Kubernetes jump of two minor versions and names the next one', async () => {
    const s = await setup({ kubernetesVersion: '1.35' });
    const out = await runUpgrade(s.options, s.services, s.run);
    expect(out.phase.failure?.error).toMatch(
      /one minor version at a time: the cluster runs 1\.33, so the next is 1\.34, not 1\.35/,
    );
    expect(s.log).toEqual([]);
  });

  it('refuses a Kubernetes downgrade (EKS cannot go back); nothing is touched', async () => {
    const s = await setup({ kubernetesVersion: '1.32' });
    const out = await runUpgrade(s.options, s.services, s.run);
    expect(out.phase.status).toBe('failed');
    expect(out.phase.failure?.stepId).toBe('gate');
    expect(out.phase.failure?.error).toMatch(/cannot downgrade Kubernetes: the cluster runs 1\.33, 1\.32 is older/);
    expect(s.log).toEqual([]);
    expect(s.eksMock.commandCalls(UpdateClusterVersionCommand)).toHaveLength(0);
  });

  it('refuses when an upgrade insight is in ERROR, or the chart version does not exist', async () => {
    const s = await setup({ kubernetesVersion: '1.34' });
    s.eksMock
      .on(ListInsightsCommand)
      .resolves({ insights: [{ id: 'i-2', name: 'Kubelet version skew', insightStatus: { status: 'ERROR' } }] });
    s.eksMock
      .on(DescribeInsightCommand)
      .resolves({ insight: { recommendation: 'Upgrade node groups to the control-plane version first.' } });
    expect((await runUpgrade(s.options, s.services, s.run)).phase.failure?.error).toMatch(
      /insights block Kubernetes 1\.34: Kubelet version skew/,
    );
    const c = await setup({ coderVersion: '2.99.0' });
    expect((await runUpgrade(c.options, c.services, c.run)).phase.failure?.error).toMatch(
      /chart coder version 2\.99\.0 was not found/,
    );
  });
});

describe('day2 upgrade', () => {
  it('snapshots the database before helm, keeps the stored values, pins the image, verifies the version', async () => {
    const s = await setup({ coderVersion: '2.36.1' });
    const out = await runUpgrade(s.options, s.services, s.run);
    expect(out.phase.status).toBe('succeeded');
    // coderd runs 2 replicas: scaled to 1 so the migrations get their locks; helm restores the count
    expect(s.log).toEqual([
      'snapshot demo-pre-upgrade-2-35-3-to-2-36-1-202611201200',
      'scale {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"coder","namespace":"coder"},"spec":{"replicas":1}}',
      'helm upgrade coder 2.36.1',
      'helm upgrade coder-provisioner 2.36.1',
    ]);
    expect(s.helm.values.coder?.[0]).toMatchObject({
      coder: {
        replicaCount: 2,
        image: { repo: 'ghcr.io/coder/coder', tag: 'v2.36.1' },
        env: [{ name: 'CODER_ACCESS_URL' }],
      },
    });
    expect(out).toMatchObject({
      coder: { from: '2.35.3', to: '2.36.1' },
      snapshotId: 'demo-pre-upgrade-2-35-3-to-2-36-1-202611201200',
    }); // status reads the new version from the journal the real steps wrote
    expect(
      (
        await readStatus({
          deployment: 'demo',
          stateDir: s.stateDir,
          globals: { configPath: 'c.yaml', stateDir: undefined, awsProfile: undefined, region: undefined },
        })
      ).versions,
    ).toMatchObject({ coder: '2.36.1', chart: '2.36.1' });
  });

  it('writes the new coder.version back to coder-platform.yaml (comments kept), also on a re-run after a crash before the write', async () => {
    const s = await setup({ coderVersion: '2.36.1' });
    const out = await runUpgrade(s.options, s.services, s.run);
    expect(out.phase.status).toBe('succeeded');
    const text = await readFile(s.configPath, 'utf8');
    expect(text).toBe(CONFIG.replace('version: 2.35.3 # pinned', 'version: 2.36.1 # pinned'));
    expect(out.configUpdated).toEqual(['coder.version']);
    expect(out.phase.outputs['config-coder-version']).toEqual({
      configPath: s.configPath,
      key: 'coder.version',
      value: '2.36.1',
      changed: true,
    });
    // the process died after helm, before the write: the file still says 2.35.3 and the journal has no record
    await writeFile(s.configPath, CONFIG);
    const helmCalls = s.log.length;
    const again = await runUpgrade({ ...s.options, restart: true }, s.services, s.run);
    expect(again.phase.status).toBe('succeeded');
    expect(s.log).toHaveLength(helmCalls); // no second helm upgrade
    expect(await readFile(s.configPath, 'utf8')).toContain('version: 2.36.1 # pinned');
  });

  it('does not write the config when the helm upgrade fails', async () => {
    const s = await setup({ coderVersion: '2.36.1' });
    s.helm.failOn.add('coder');
    expect((await runUpgrade(s.options, s.services, s.run)).phase.status).toBe('failed');
    expect(await readFile(s.configPath, 'utf8')).toBe(CONFIG);
  });

  it('rolls the releases back automatically when helm fails, and gives the exact snapshot restore commands', async () => {
    const s = await setup({ coderVersion: '2.36.1' });
    s.helm.failOn.add('coder-provisioner');
    const out = await runUpgrade(s.options, s.services, s.run);
    expect(out.phase.status).toBe('failed');
    expect(s.log).toEqual([
      'snapshot demo-pre-upgrade-2-35-3-to-2-36-1-202611201200',
      'scale {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"coder","namespace":"coder"},"spec":{"replicas":1}}',
      'helm upgrade coder 2.36.1',
      'helm upgrade coder-provisioner 2.36.1',
      'helm rollback coder-provisioner 4',
      'helm rollback coder 4',
    ]);
    expect(out.phase.failure?.error).toMatch(
      /rolled back to 2\.35\.3.*migrations of 2\.36\.1 may already have run.*demo-pre-upgrade-2-35-3-to-2-36-1-202611201200/,
    );
    expect(out.phase.failure?.nextSteps[0]).toBe(
      'aws rds restore-db-cluster-from-snapshot --db-cluster-identifier demo-db-restored --snapshot-identifier demo-pre-upgrade-2-35-3-to-2-36-1-202611201200 --engine aurora-postgresql --db-subnet-group-name demo-db-subnets --vpc-security-group-ids sg-db --serverless-v2-scaling-configuration MinCapacity=0.5,MaxCapacity=16',
    );
  });

  it('a re-run after a finished Coder upgrade changes nothing; a half-done one upgrades what is missing', async () => {
    const s = await setup({ coderVersion: '2.36.1' });
    await runUpgrade(s.options, s.services, s.run);
    const before = [...s.log];
    // the probes see coderd and the provisioners on 2.36.1: no new snapshot, no helm call
    const again = await runUpgrade({ ...s.options, restart: true }, s.services, s.run);
    expect(again.phase.status).toBe('succeeded');
    expect(s.log).toEqual(before);
    // the provisioner release is still on the old chart: only the releases are upgraded again
    s.helm.deployedChart['coder-provisioner'] = 'coder-provisioner-2.35.3';
    await runUpgrade({ ...s.options, restart: true }, s.services, s.run);
    expect(s.log.slice(before.length)).toEqual(['helm upgrade coder 2.36.1', 'helm upgrade coder-provisioner 2.36.1']);
  });

  it('rolls back when the new version never reports itself healthy', async () => {
    const s = await setup({ coderVersion: '2.36.1' });
    s.coder.buildInfo = async () => ({ version: 'v2.35.3+1a2b3c' });
    const out = await runUpgrade(s.options, s.services, s.run);
    expect(out.phase.status).toBe('failed');
    expect(s.log.slice(-2)).toEqual(['helm rollback coder-provisioner 4', 'helm rollback coder 4']);
  });

  it('upgrades Kubernetes in order: control plane, node groups control → provisioner → workspace, then add-ons', async () => {
    const s = await setup({ kubernetesVersion: '1.34' });
    const out = await runUpgrade(s.options, s.services, s.run);
    expect(out.phase.status).toBe('succeeded');
    expect(s.log).toEqual([
      'eks control-plane 1.34',
      'eks nodegroup demo-control 1.34',
      'eks nodegroup demo-prov 1.34',
      'eks nodegroup demo-ws 1.34',
      'eks addon coredns v1.12.1-eksbuild.1',
    ]);
    expect(
      (
        await readStatus({
          deployment: 'demo',
          stateDir: s.stateDir,
          globals: { configPath: 'c.yaml', stateDir: undefined, awsProfile: undefined, region: undefined },
        })
      ).versions.kubernetes,
    ).toBe('1.34');
    expect(out.addons).toEqual(['coredns=v1.12.1-eksbuild.1']);
    expect(await readFile(s.configPath, 'utf8')).toContain('kubernetesVersion: "1.34" # EKS standard support');
    expect(out.phase.outputs['config-kubernetes-version']).toMatchObject({
      key: 'cluster.kubernetesVersion',
      value: '1.34',
      changed: true,
    });
    expect(s.eksMock.commandCalls(ListUpdatesCommand)).toHaveLength(0);
    // a second run finds everything done (isDone probes) and changes nothing
    const again = await runUpgrade(s.options, s.services, s.run);
    expect(again.phase.status).toBe('succeeded');
    expect(s.log).toHaveLength(5);
  });

  it('on resume, a node group already UPDATING is waited for (ListUpdates) instead of a second UpdateNodegroupVersion', async () => {
    const s = await setup({ kubernetesVersion: '1.34' });
    // the crashed run had started the provisioner group's version update
    s.groupStatus['demo-prov'] = 'UPDATING';
    s.eksMock.on(ListUpdatesCommand).callsFake((i: { nodegroupName?: string }) => ({
      updateIds: i.nodegroupName === 'demo-prov' ? ['u-old-config', 'u-prov-inflight'] : [],
    }));
    let polls = 0;
    s.eksMock.on(DescribeUpdateCommand).callsFake((i: { updateId: string }) => {
      if (i.updateId !== 'u-prov-inflight') return { update: { id: i.updateId, status: 'Successful' } };
      polls += 1;
      if (polls < 3) return { update: { id: i.updateId, status: 'InProgress' } };
      s.groups['demo-prov'] = '1.34';
      delete s.groupStatus['demo-prov'];
      return { update: { id: i.updateId, status: 'Successful' } };
    });
    const out = await runUpgrade(s.options, s.services, s.run);
    expect(out.phase.status).toBe('succeeded');
    expect(s.log).toEqual([
      'eks control-plane 1.34',
      'eks nodegroup demo-control 1.34',
      'eks nodegroup demo-ws 1.34',
      'eks addon coredns v1.12.1-eksbuild.1',
    ]);
    expect(s.eksMock.commandCalls(UpdateNodegroupVersionCommand).map((c) => c.args[0].input.nodegroupName)).toEqual([
      'demo-control',
      'demo-ws',
    ]);
    expect(
      s.host.events.some((e) => e.code === 'UPGRADE_UPDATE_IN_PROGRESS' && /u-prov-inflight/.test(e.message)),
    ).toBe(true);
  });
});
