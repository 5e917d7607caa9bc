/**
 * The day1 Coder steps run through the real engine (runPhase): a run interrupted in the middle of the
 * template push (the abort signal fires right after the template version was created) and resumed
 * creates no duplicate template version.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { secretNames } from '../../src/deployment/outputs.js';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import type { Phase } from '../../src/engine/types.js';
import type { CoderPlatformConfig } from '../../src/config/schema.js';
import { coderSteps, type Day1CoderServices } from '../../src/phases/day1/coder-steps.js';
import { FakeCoder } from './spec-server.js';
import { memorySecrets, servicesFor, testConfig } from './helpers.js';
import { describeUpstream } from '../upstream.js';

const CREATE_VERSION = 'POST /api/v2/organizations/{organization}/templateversions';
let fake: FakeCoder | undefined;
let stateDir: string | undefined;
afterEach(async () => {
  expect(fake?.violations ?? []).toEqual([]);
  await fake?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
  fake = undefined;
  stateDir = undefined;
});

function phase(config: CoderPlatformConfig): Phase<Day1CoderServices> {
  return { name: 'day1', version: 1, steps: coderSteps(config) };
}

async function run(config: CoderPlatformConfig, services: Day1CoderServices, signal?: AbortSignal, verify = false) {
  return runPhase(
    phase(config),
    { ...services, config },
    {
      deployment: 'acme',
      stateDir: stateDir!,
      command: 'coder-platform day1',
      host: new RecordingHost(),
      verify,
      ...(signal ? { signal } : {}),
    },
  );
}

/** A fake whose next template-version creation aborts `controller` once armed. */
async function start() {
  let controller: AbortController | undefined;
  fake = await new FakeCoder({
    daemons: [{ scope: 'organization' }],
    licenseFeatures: ['high_availability', 'template_rbac', 'external_provisioner_daemons'],
    pollsToStart: 3,
    onAnswered: (route) => {
      if (route === CREATE_VERSION && controller) {
        controller.abort();
        controller = undefined;
      }
    },
  }).start();
  stateDir = await mkdtemp(path.join(tmpdir(), 'day1-resume-'));
  const token = fake.seedOwner('ops@example.com', 'admin');
  fake.licenses.push({
    id: 1,
    uuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
    jwt: 'x',
    uploaded_at: new Date().toISOString(),
  });
  const secrets = memorySecrets({
    [secretNames('acme').sessionToken]: token,
    [secretNames('acme').adminPassword]: 'seeded-password-0123456789',
  });
  return { fake, secrets, arm: () => (controller = new AbortController()).signal };
}

/**
 * Run day1 in a child process (fixtures/day1-child.ts) and SIGKILL it at the first template-version
 * creation, `beforeAnswer` (the version exists, the child never hears of it) or `onAnswered` (it has).
 */
async function runChildKilledAt(
  f: FakeCoder,
  secrets: Awaited<ReturnType<typeof start>>['secrets'],
  hook: 'beforeAnswer' | 'onAnswered',
  env: Record<string, string> = {},
): Promise<{ exit: NodeJS.Signals | number | null; output: string }> {
  const script = fileURLToPath(new URL('./fixtures/day1-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      CODER_URL: f.baseUrl,
      STATE_DIR: stateDir,
      CODER_TOKEN: secrets.values.get(secretNames('acme').sessionToken),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let killed = false;
  f.options[hook] = (route) => {
    if (route === CREATE_VERSION && !killed) {
      killed = true;
      child.kill('SIGKILL');
    }
  };
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exit = await new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { exit, output };
}

describeUpstream('day1 template push interrupted and resumed (runPhase)', () => {
  it('a new template: the interrupted run and the resumed run leave exactly one version per template', async () => {
    const { fake: f, secrets, arm } = await start();
    const config = testConfig();
    const services = servicesFor(f, config, secrets.store);

    const first = await run(config, services, arm());
    expect(first.status).toBe('interrupted');
    expect(first.steps.find((s) => s.id === 'templates')?.status).toBe('interrupted');
    expect(f.versions).toHaveLength(1);

    const resumed = await run(config, services);
    expect(resumed.status).toBe('succeeded');
    expect(f.templates.map((t) => t.name).sort()).toEqual([
      'ec2-datasci',
      'ec2-datasci-gpu',
      'ec2-windev-gui',
      'pod-swdev',
    ]);
    for (const template of f.templates) {
      const versions = f.versions.filter((v) => v.template_id === template.id);
      expect(versions, template.name).toHaveLength(1);
      expect(template.active_version_id).toBe(versions[0]!.id);
    }
    expect(f.versions).toHaveLength(4); // no orphan version either
    expect(f.count('POST', `/api/v2/organizations/${f.orgId}/templates`)).toBe(4);

    // A third run finds everything done by probing Coder, and pushes nothing.
    const before = f.requests.length;
    const again = await run(config, services);
    expect(again.status).toBe('succeeded');
    expect(f.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('changed content on an existing template: interrupted between version creation and promotion, resumed, one new version promoted', async () => {
    const { fake: f, secrets, arm } = await start();
    const config = testConfig();
    const services = servicesFor(f, config, secrets.store);
    expect((await run(config, services)).status).toBe('succeeded');
    const pod = f.templates.find((t) => t.name === 'pod-swdev')!;
    const original = pod.active_version_id;

    const changed = testConfig({ workspaces: { requestsToLimits: { cpu: 0.5, memory: 0.5 } } });
    // The journal says templates are done; --verify re-probes Coder, which sees the content changed.
    const interrupted = await run(changed, servicesFor(f, changed, secrets.store), arm(), true);
    expect(interrupted.status).toBe('interrupted');
    expect(pod.active_version_id).toBe(original);

    const resumed = await run(changed, servicesFor(f, changed, secrets.store), undefined, true);
    expect(resumed.status).toBe('succeeded');
    const podVersions = f.versions.filter((v) => v.template_id === pod.id);
    expect(podVersions).toHaveLength(2);
    expect(new Set(podVersions.map((v) => v.name)).size).toBe(2);
    expect(pod.active_version_id).toBe(podVersions.find((v) => v.id !== original)!.id);
    expect(resumed.outputs.templates?.changed).toEqual(['pod-swdev']);
  });

  it(
    'a FRESH template SIGKILLed in a child process between creating its first version and creating the template: the resumed run reuses that version',
    { timeout: 120_000 },
    async () => {
      const { fake: f, secrets } = await start();
      // Killed once Coder created the first version, before its answer reaches the child: the template
      // creation that would follow never happens (after the answer, the next request can already be in flight).
      const { exit, output } = await runChildKilledAt(f, secrets, 'beforeAnswer');
      expect(exit, output).toBe('SIGKILL');
      expect(f.templates).toEqual([]);
      expect(f.versions).toHaveLength(1);
      const orphan = f.versions[0]!;
      expect(orphan.template_id).toBeNull();

      const resumed = await runPhase(phase(testConfig()), servicesFor(f, testConfig(), secrets.store), {
        deployment: 'acme',
        stateDir: stateDir!,
        command: 'coder-platform day1',
        host: new RecordingHost(),
        breakLock: true,
      });
      expect(resumed.status).toBe('succeeded');
      expect(f.count('POST', `/api/v2/organizations/${f.orgId}/templateversions`)).toBe(4); // one per template, the orphan's included
      expect(f.versions).toHaveLength(4);
      expect(f.versions.filter((v) => v.template_id === null)).toEqual([]);
      const adopted = f.templates.find((t) => t.id === orphan.template_id)!;
      expect(adopted.active_version_id).toBe(orphan.id);
      for (const template of f.templates)
        expect(
          f.versions.filter((v) => v.template_id === template.id),
          template.name,
        ).toHaveLength(1);
    },
  );

  it(
    'SIGKILLed in a child process right after the new version was created: the resumed run reuses and promotes it',
    { timeout: 120_000 },
    async () => {
      const { fake: f, secrets } = await start();
      // First a complete run, so the templates exist.
      expect((await run(testConfig(), servicesFor(f, testConfig(), secrets.store))).status).toBe('succeeded');
      const pod = f.templates.find((t) => t.name === 'pod-swdev')!;
      const original = pod.active_version_id;
      f.options.pollsToStart = 1_000_000; // the new job stays pending in the child: it dies mid-push
      const { exit, output } = await runChildKilledAt(f, secrets, 'onAnswered', { CPU_RATIO: '0.5', VERIFY: '1' });
      expect(exit, output).toBe('SIGKILL');
      expect(f.versions).toHaveLength(5);
      expect(pod.active_version_id).toBe(original);
      // The journal shows the push cut off while running; the dead process's lock is left behind.
      expect(await readFile(path.join(stateDir!, 'journal.json'), 'utf8')).toMatch(/"templates"[\s\S]*"running"/);

      f.options.pollsToStart = 1;
      const changed = testConfig({ workspaces: { requestsToLimits: { cpu: 0.5, memory: 0.5 } } });
      const resumed = await runPhase(phase(changed), servicesFor(f, changed, secrets.store), {
        deployment: 'acme',
        stateDir: stateDir!,
        command: 'coder-platform day1',
        host: new RecordingHost(),
        breakLock: true,
        verify: true,
      });
      expect(resumed.status).toBe('succeeded');
      expect(f.versions).toHaveLength(5); // the version the killed run created was reused
      const podVersions = f.versions.filter((v) => v.template_id === pod.id);
      expect(podVersions).toHaveLength(2);
      expect(pod.active_version_id).toBe(podVersions.find((v) => v.id !== original)!.id);
    },
  );
});
