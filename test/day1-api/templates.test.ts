import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { afterEach, describe, expect, it } from 'vitest';
import { pushTemplate, templateUpToDate } from '../../src/phases/day1/coder/templates.js';
import { CoderClient } from '../../src/coder/client.js';
import { RecordingHost } from '../../src/engine/host.js';
import { ExternalError, UserError } from '../../src/errors.js';
import { loadTemplateAssets, type TemplateAssets } from '../../src/phases/day1/templates/assets.js';
import { baseModuleFiles, composeTemplate } from '../../src/phases/day1/templates/compose.js';
import { assertPairings, missingCapabilities, pairingProblems } from '../../src/phases/day1/templates/contract.js';
import { deterministicTar, sha256 } from '../../src/phases/day1/templates/tar.js';
import { FakeCoder, listTar } from './spec-server.js';
import { testConfig } from './helpers.js';
import { describeUpstream } from '../upstream.js';

const PAIRINGS = ['pod-swdev', 'ec2-windev-gui', 'ec2-datasci', 'ec2-datasci-gpu'] as const;

async function tfFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await tfFiles(full)));
    else if (entry.name.endsWith('.tf')) out.push(full);
  }
  return out.sort();
}

describe('template assets', () => {
  it('every Terraform file under assets/templates parses as HCL', async () => {
    const assets = await loadTemplateAssets();
    const files = await tfFiles(assets.root);
    // 16 since the shared EC2 module, contract inputs and EC2 providers live once under shared/ (was 23).
    expect(files.length).toBeGreaterThanOrEqual(16);
    expect(files.some((f) => f.includes(`${path.sep}shared${path.sep}`))).toBe(true);
    for (const file of files) {
      const parsed = (await parseHcl(file, await readFile(file, 'utf8'))) as Record<string, unknown>;
      expect(Object.keys(parsed).length, file).toBeGreaterThan(0);
    }
    // The parser does reject broken HCL, so the loop above can fail.
    await expect(parseHcl('broken.tf', 'resource "x" "y" {\n  a = \n')).rejects.toBeDefined();
  });

  it('each base module implements the contract: the same inputs and the four outputs', async () => {
    const assets = await loadTemplateAssets();
    for (const base of Object.keys(assets.bases)) {
      const merged: {
        variable: Record<string, unknown>;
        output: Record<string, unknown>;
        resource: Record<string, unknown>;
      } = { variable: {}, output: {}, resource: {} };
      for (const file of (await baseModuleFiles(assets, assets.bases[base]!)).filter((f) => f.path.endsWith('.tf'))) {
        const parsed = (await parseHcl(file.path, file.content)) as Record<string, Record<string, unknown>>;
        Object.assign(merged.variable, parsed.variable ?? {});
        Object.assign(merged.output, parsed.output ?? {});
        Object.assign(merged.resource, parsed.resource ?? {});
      }
      expect(Object.keys(merged.variable), base).toEqual(
        expect.arrayContaining(['workspace_name', 'owner', 'compute_profile', 'image_id']),
      );
      expect(Object.keys(merged.output).sort(), base).toEqual([
        'agent_endpoint',
        'metadata',
        'runtime_env',
        'volume_mounts',
      ]);
      if (base === 'base-k8s') {
        expect(Object.keys(merged.resource)).toEqual(
          expect.arrayContaining([
            'kubernetes_deployment_v1',
            'kubernetes_persistent_volume_claim_v1',
            'kubernetes_network_policy_v1',
            'kubernetes_service_account_v1',
          ]),
        );
      } else {
        expect(Object.keys(merged.resource), base).toEqual(
          expect.arrayContaining(['aws_instance', 'aws_security_group', 'aws_iam_instance_profile', 'aws_ebs_volume']),
        );
        const instance = JSON.stringify(merged.resource.aws_instance);
        expect(instance, base).toContain('"http_tokens":"required"');
      }
    }
  });
});

describe('shared base files', () => {
  it('every composed EC2 template carries the shared EC2 module, the contract inputs and the EC2 providers', async () => {
    const assets = await loadTemplateAssets();
    const shared = async (rel: string) => readFile(path.join(assets.root, 'shared', rel), 'utf8');
    const ec2 = PAIRINGS.filter((name) => assets.bases[assets.pairings[name]!.base]!.platform.startsWith('ec2'));
    expect(ec2).toHaveLength(3);
    for (const name of ec2) {
      const composed = await composeTemplate(assets, testConfig(), name);
      const byPath = new Map(composed.files.map((f) => [f.path, f.content]));
      expect(byPath.get('base/common.tf'), name).toBe(await shared('ec2/common.tf'));
      expect(byPath.get('base/variables.tf'), name).toBe(await shared('contract/variables.tf'));
      expect(byPath.get('providers.tf'), name).toBe(await shared('ec2/providers.tf'));
      const archived = (await listTar(composed.archive)).map((e) => e.name);
      expect(archived, name).toEqual(
        expect.arrayContaining(['base/common.tf', 'base/variables.tf', 'base/instance.tf', 'providers.tf']),
      );
    }
  });
});

describe('root ↔ module wiring', () => {
  it('the root passes exactly the variables every toolchain and base declares, and reads only outputs they define', async () => {
    const assets = await loadTemplateAssets();
    const rootText = await readFile(path.join(assets.root, 'root', 'main.tf'), 'utf8');
    const root = (await parseHcl('main.tf', rootText)) as { module: Record<string, Record<string, unknown>[]> };
    const dirFiles = async (dir: string) =>
      Promise.all((await tfFiles(dir)).map(async (file) => ({ path: file, content: await readFile(file, 'utf8') })));
    const moduleInterface = async (files: { path: string; content: string }[]) => {
      const variables = new Set<string>();
      const outputs = new Set<string>();
      for (const file of files) {
        const parsed = (await parseHcl(file.path, file.content)) as {
          variable?: Record<string, unknown>;
          output?: Record<string, unknown>;
        };
        Object.keys(parsed.variable ?? {}).forEach((v) => variables.add(v));
        Object.keys(parsed.output ?? {}).forEach((o) => outputs.add(o));
      }
      return { variables: [...variables].sort(), outputs };
    };
    const passed = (name: string) =>
      Object.keys(root.module[name]![0]!)
        .filter((k) => k !== 'source')
        .sort();
    const used = (name: string) =>
      new Set([...rootText.matchAll(new RegExp(`module\\.${name}\\.([a-z_]+)`, 'g'))].map((m) => m[1]!));
    expect([...used('toolchain')].sort()).toEqual(['env', 'home_path', 'startup_script']);
    expect([...used('base')].sort()).toEqual(['agent_endpoint', 'metadata', 'runtime_env']);
    for (const toolchain of Object.keys(assets.toolchains)) {
      const itf = await moduleInterface(await dirFiles(path.join(assets.root, 'toolchains', toolchain, 'module')));
      expect(passed('toolchain'), toolchain).toEqual(itf.variables);
      for (const output of used('toolchain'))
        expect(itf.outputs.has(output), `${toolchain} output ${output}`).toBe(true);
    }
    for (const base of Object.keys(assets.bases)) {
      const itf = await moduleInterface(
        (await baseModuleFiles(assets, assets.bases[base]!)).filter((f) => f.path.endsWith('.tf')),
      );
      expect(passed('base'), base).toEqual(itf.variables);
      for (const output of used('base')) expect(itf.outputs.has(output), `${base} output ${output}`).toBe(true);
    }
  });
});

describe('capability contract', () => {
  let assets: TemplateAssets;
  it('all four pairings satisfy the contract', async () => {
    assets = await loadTemplateAssets();
    for (const name of PAIRINGS) expect(pairingProblems(assets, assets.pairings[name]!), name).toEqual([]);
    expect(() => assertPairings(assets, PAIRINGS)).not.toThrow();
  });

  it('names the missing capabilities of a toolchain on a base that cannot support it', async () => {
    assets = await loadTemplateAssets();
    expect(missingCapabilities(assets.contract, assets.toolchains.windev!, assets.bases['base-k8s']!)).toEqual([
      'gui-rdp',
    ]);
    expect(missingCapabilities(assets.contract, assets.toolchains.datasci!, assets.bases['base-ec2-windows']!)).toEqual(
      ['artifact-cache'],
    );
    const windevOnK8s = { ...assets.pairings['ec2-windev-gui']!, name: 'pod-windev', base: 'base-k8s' };
    const error = (() => {
      try {
        assertPairings({ ...assets, pairings: { ...assets.pairings, 'pod-windev': windevOnK8s } }, ['pod-windev']);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(
      /toolchain windev requires gui-rdp, which base base-k8s \(platform kubernetes\) does not support/,
    );
  });

  it('rejects GPU on a base without it, unknown capability names, bad values, constraint and override violations', async () => {
    assets = await loadTemplateAssets();
    const gpuOnLinux = { ...assets.pairings['ec2-datasci-gpu']!, base: 'base-ec2-linux' };
    expect(pairingProblems(assets, gpuOnLinux).join('\n')).toMatch(/turns on gpu-support, which base base-ec2-linux/);
    const unknown = {
      ...assets.pairings['pod-swdev']!,
      capabilities: { ...assets.pairings['pod-swdev']!.capabilities, 'https-egress': true },
    };
    expect(pairingProblems(assets, unknown).join('\n')).toMatch(/unknown capability "https-egress"/);
    const badValue = { ...assets.pairings['pod-swdev']!, capabilities: { 'network-egress': 'everything' } };
    expect(pairingProblems(assets, badValue).join('\n')).toMatch(
      /network-egress must be one of none, https-only, unrestricted/,
    );
    const both = {
      ...assets.pairings['ec2-windev-gui']!,
      capabilities: { ...assets.pairings['ec2-windev-gui']!.capabilities, 'gui-vnc': true },
    };
    expect(pairingProblems(assets, both).join('\n')).toMatch(/gui-vnc and gui-rdp are mutually exclusive/);
    const gpuNoEgress = {
      ...assets.pairings['ec2-datasci-gpu']!,
      capabilities: { ...assets.pairings['ec2-datasci-gpu']!.capabilities, 'network-egress': 'none' },
    };
    expect(pairingProblems(assets, gpuNoEgress).join('\n')).toMatch(
      /gpu-support=true requires network-egress to be one of https-only, unrestricted/,
    );
    const blocked = { ...assets.pairings['pod-swdev']!, overrides: { env: { AWS_REGION: 'x' }, network: { a: 'b' } } };
    const text = pairingProblems(assets, blocked).join('\n');
    expect(text).toMatch(/AWS_REGION uses the blocked prefix AWS_/);
    expect(text).toMatch(/overriding network is not allowed/);
  });
});

describe('composition', () => {
  it('composes all four pairings with the config sizes as compute profiles and a deterministic archive', async () => {
    const assets = await loadTemplateAssets();
    const config = testConfig();
    for (const name of PAIRINGS) {
      const a = await composeTemplate(assets, config, name);
      const b = await composeTemplate(assets, config, name);
      expect(a.contentHash).toBe(b.contentHash);
      expect(a.archive.equals(b.archive)).toBe(true);
      expect(a.versionName).toMatch(/^1\.0\.0-[0-9a-f]{8}$/);
      expect(a.archive.length).toBeLessThan(1024 * 1024); // the Coder CLI's archive limit
      const entries = await listTar(a.archive);
      expect(entries.map((e) => e.name)).toEqual([...entries.map((e) => e.name)].sort());
      expect(entries.map((e) => e.name)).toEqual(
        expect.arrayContaining([
          'main.tf',
          'providers.tf',
          'composition.tf.json',
          'base/variables.tf',
          'toolchain/main.tf',
        ]),
      );
      expect(new Set(entries.map((e) => e.mtime))).toEqual(new Set([Date.UTC(2020, 0, 1)]));
      expect(new Set(entries.map((e) => e.mode))).toEqual(new Set([0o644]));
      // Terraform allows one required_providers block per module: count them across the root files.
      let requiredProviders = 0;
      for (const entry of entries.filter((e) => /^[^/]+\.tf$/.test(e.name))) {
        const parsed = (await parseHcl(entry.name, entry.data)) as { terraform?: { required_providers?: unknown[] }[] };
        for (const block of parsed.terraform ?? []) requiredProviders += block.required_providers?.length ?? 0;
      }
      expect(requiredProviders, name).toBe(1);
      const composition = JSON.parse(entries.find((e) => e.name === 'composition.tf.json')!.data) as {
        locals: { composition: Record<string, unknown> };
      };
      expect(composition.locals.composition.template).toBe(name);
      expect(composition.locals.composition.default_profile).toBe(a.defaultProfile);
      expect(Object.keys(a.profiles)).toContain(a.defaultProfile);
    }
    const pod = await composeTemplate(assets, config, 'pod-swdev');
    expect(Object.keys(pod.profiles)).toEqual(['platform-devsecops', 'sw-dev-large', 'sw-dev-medium', 'sw-dev-small']);
    expect(pod.profiles['sw-dev-medium']).toEqual({
      cpu: 4,
      memory: '8Gi',
      storage: '50Gi',
      gpu_count: 0,
      gpu_type: '',
      instance_type: '',
    });
    const gpu = await composeTemplate(assets, config, 'ec2-datasci-gpu');
    expect(gpu.profiles['datasci-large']).toMatchObject({
      instance_type: 'g4dn.4xlarge',
      gpu_type: 'nvidia-t4',
      gpu_count: 1,
    });
    // No config size uses ec2-windev-gui: the pairing's own profiles apply.
    const datasci = await listTar((await composeTemplate(assets, config, 'ec2-datasci')).archive);
    const settings = (
      JSON.parse(datasci.find((e) => e.name === 'composition.tf.json')!.data) as {
        locals: { composition: { settings: Record<string, string> } };
      }
    ).locals.composition.settings;
    expect(settings).toEqual({
      deployment: 'acme',
      region: 'us-east-1',
      subnet_tier: config.cluster.nodeGroups['coder-ws']!.subnetTier,
    });
    const windev = await composeTemplate(assets, config, 'ec2-windev-gui');
    expect(windev.profiles.medium).toMatchObject({ instance_type: 'm5.xlarge' });
    // Requests/limits ratios reach the base settings, and change the content hash.
    const other = await composeTemplate(
      assets,
      testConfig({ workspaces: { requestsToLimits: { cpu: 0.5, memory: 0.5 } } }),
      'pod-swdev',
    );
    expect(other.contentHash).not.toBe(pod.contentHash);
  });

  it('the same files in another order give byte-identical archives', async () => {
    const files = [
      { path: 'b.tf', content: 'b' },
      { path: 'a/x.tf', content: 'x' },
      { path: 'a.tf', content: 'a' },
    ];
    expect(sha256(await deterministicTar(files))).toBe(sha256(await deterministicTar([...files].reverse())));
  });
});

describeUpstream('template push against the fake coderd', () => {
  let fake: FakeCoder | undefined;
  afterEach(async () => {
    expect(fake?.violations ?? []).toEqual([]);
    await fake?.stop();
    fake = undefined;
  });

  async function setup(options: ConstructorParameters<typeof FakeCoder>[0] = {}) {
    fake = await new FakeCoder({
      daemons: [{ scope: 'organization' }],
      licenseFeatures: ['template_rbac'],
      ...options,
    }).start();
    const client = new CoderClient({ baseUrl: fake.baseUrl, sessionToken: fake.seedOwner() });
    await client.addLicense(
      `${Buffer.from('{}').toString('base64url')}.${Buffer.from('{"license_id":"0f8fad5b-d9cb-469f-a165-70867728950e"}').toString('base64url')}.sig`,
    );
    const assets = await loadTemplateAssets();
    return { client, fake, assets };
  }
  const opts = (host: RecordingHost, org: string, templateRbac = true) => ({
    organizationId: org,
    tags: { scope: 'organization' },
    schedule: testConfig().workspaces.templateSettings,
    host,
    templateRbac,
    pollIntervalMs: 5,
    jobTimeoutMs: 5000,
  });

  it('creates the template with settings and group ACLs; an unchanged re-push uploads and creates nothing', async () => {
    const { client, fake: f, assets } = await setup();
    const composed = await composeTemplate(assets, testConfig(), 'pod-swdev');
    const host = new RecordingHost();
    const result = await pushTemplate(client, composed, opts(host, f.orgId));
    expect(result).toMatchObject({ action: 'created', versionName: composed.versionName, aclApplied: true });
    const template = f.templates[0]!;
    expect(template.settings).toMatchObject({
      default_ttl_ms: 28_800_000,
      activity_bump_ms: 3_600_000,
      failure_ttl_ms: 86_400_000,
      time_til_dormant_ms: 604_800_000,
      time_til_dormant_autodelete_ms: 2_592_000_000,
      autostop_requirement: { days_of_week: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], weeks: 1 },
      disable_everyone_group_access: true,
    });
    const groupName = (id: string) => f.groups.find((g) => g.id === id)!.name;
    expect(
      Object.fromEntries(Object.entries(template.acl.group_perms).map(([id, role]) => [groupName(id), role])),
    ).toEqual({ developers: 'use', 'coder-platform-admins': 'use', 'coder-template-owners': 'admin' });
    // The uploaded archive is exactly the composed one.
    expect([...f.files.values()][0]!.equals(composed.archive)).toBe(true);

    const before = f.requests.length;
    const again = await pushTemplate(client, composed, opts(new RecordingHost(), f.orgId));
    expect(again).toMatchObject({ action: 'unchanged', versionId: result.versionId });
    expect(f.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    // ACL drift (someone gave Everyone `use`) is detected and repaired.
    template.acl.group_perms[f.orgId] = 'use';
    await pushTemplate(client, composed, opts(new RecordingHost(), f.orgId));
    expect(template.acl.group_perms[f.orgId]).toBeUndefined();
    expect(f.count('POST', '/api/v2/files')).toBe(1);
    expect(f.count('POST', `/api/v2/organizations/${f.orgId}/templateversions`)).toBe(1);
    expect(f.versions).toHaveLength(1);
  });

  it('changed content creates one new version and promotes it; changed settings are patched', async () => {
    const { client, fake: f, assets } = await setup();
    await pushTemplate(
      client,
      await composeTemplate(assets, testConfig(), 'pod-swdev'),
      opts(new RecordingHost(), f.orgId),
    );
    f.templates[0]!.settings.default_ttl_ms = 1000;
    const changed = await composeTemplate(
      assets,
      testConfig({ workspaces: { requestsToLimits: { cpu: 0.5, memory: 0.5 } } }),
      'pod-swdev',
    );
    const result = await pushTemplate(client, changed, opts(new RecordingHost(), f.orgId));
    expect(result.action).toBe('promoted');
    expect(f.templates[0]!.active_version_id).toBe(result.versionId);
    expect(f.templates[0]!.settings.default_ttl_ms).toBe(28_800_000);
    expect(f.versions).toHaveLength(2);
  });

  it('workspaces.templateSettings from the config reach Coder: an override is detected as drift and sent in the PATCH body', async () => {
    const { client, fake: f, assets } = await setup();
    const composed = await composeTemplate(assets, testConfig(), 'pod-swdev');
    await pushTemplate(client, composed, opts(new RecordingHost(), f.orgId));
    const overridden = testConfig({
      workspaces: {
        templateSettings: {
          defaultTtlHours: 4,
          activityBumpHours: 0.5,
          autostopDays: ['WED', 'MON'],
          dormancyDays: 14,
          autoDeleteDays: 60,
          failureTtlHours: 12,
        },
      },
    });
    const schedule = overridden.workspaces.templateSettings;
    expect(
      await templateUpToDate(client, f.orgId, composed, testConfig().workspaces.templateSettings, true),
    ).toBeDefined();
    expect(await templateUpToDate(client, f.orgId, composed, schedule, true)).toBeUndefined();

    const before = f.requests.length;
    const result = await pushTemplate(client, composed, { ...opts(new RecordingHost(), f.orgId), schedule });
    expect(result.action).toBe('unchanged'); // same content: only the settings change
    const patches = f.requests
      .slice(before)
      .filter((r) => r.method === 'PATCH' && r.path === `/api/v2/templates/${f.templates[0]!.id}`);
    expect(patches).toHaveLength(1);
    expect(patches[0]!.body).toMatchObject({
      default_ttl_ms: 14_400_000,
      activity_bump_ms: 1_800_000,
      failure_ttl_ms: 43_200_000,
      time_til_dormant_ms: 1_209_600_000,
      time_til_dormant_autodelete_ms: 5_184_000_000,
      autostop_requirement: { days_of_week: ['monday', 'wednesday'], weeks: 1 },
    });
    expect(await templateUpToDate(client, f.orgId, composed, schedule, true)).toBeDefined();
  });

  it('a failed build fails with the job error and the job logs; the next run retries under a new name', async () => {
    let fail = true;
    const {
      client,
      fake: f,
      assets,
    } = await setup({
      jobOutcome: () =>
        fail
          ? {
              status: 'failed',
              error: 'terraform plan: exit status 1',
              logs: ['Error: Unsupported argument', 'on base/main.tf line 3'],
            }
          : { status: 'succeeded' },
    });
    const composed = await composeTemplate(assets, testConfig(), 'pod-swdev');
    const error = await pushTemplate(client, composed, opts(new RecordingHost(), f.orgId)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as Error).message).toMatch(/failed: terraform plan: exit status 1[\s\S]*Error: Unsupported argument/);
    fail = false;
    const retry = await pushTemplate(client, composed, opts(new RecordingHost(), f.orgId));
    expect(retry.versionName).toBe(`${composed.versionName}-2`);
    expect(f.templates[0]!.active_version_id).toBe(retry.versionId);
  });

  it('fails fast and cancels the job when no provisioner matches its tags', async () => {
    const { client, fake: f, assets } = await setup({ daemons: [{ scope: 'organization', gpu: 'true' }] });
    const composed = await composeTemplate(assets, testConfig(), 'pod-swdev');
    const started = Date.now();
    const error = await pushTemplate(client, composed, {
      ...opts(new RecordingHost(), f.orgId),
      tags: { scope: 'organization', pool: 'linux' },
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as Error).message).toMatch(/no provisioner daemon matches the job's tags \{.*pool=linux.*\}/);
    expect(f.versions[0]!.job.status).toBe('canceled');
  });

  it('without template_rbac the ACL is skipped with a warning instead of failing', async () => {
    const { client, fake: f, assets } = await setup({ licenseFeatures: [] });
    const host = new RecordingHost();
    const result = await pushTemplate(
      client,
      await composeTemplate(assets, testConfig(), 'ec2-datasci'),
      opts(host, f.orgId, false),
    );
    expect(result.aclApplied).toBe(false);
    expect(host.events.map((e) => e.code)).toContain('TEMPLATE_ACL_SKIPPED');
    expect(f.count('PATCH', '/api/v2/templates/')).toBe(0);
  });
});
