import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { UserError } from '../../src/errors.js';
import { buildCiFiles, initCi, type CiInitOptions } from '../../src/services/ci/service.js';
import { githubWorkflowErrors, gitlabPipelineErrors } from './validators.js';

const CONFIG =
  'apiVersion: coder-platform/v1\nprofile: mvp-500\ndeployment:\n  name: acme\n' +
  'dns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n';
const config = (extra = '') => parseConfigText(CONFIG + extra, 'coder-platform.yaml');
const options = (provider: 'github' | 'gitlab', extra: Partial<CiInitOptions> = {}): CiInitOptions => ({
  provider,
  config: config(),
  configPath: 'coder-platform.yaml',
  root: '/repo',
  cliSpec: 'coder-platform@0.1.0',
  ...extra,
});
const content = (o: CiInitOptions) => buildCiFiles(o)[0]!.content;
type Job = Record<string, unknown> & { steps?: { run?: string; uses?: string; with?: Record<string, unknown> }[] };

/** Every flag of every `coder-platform` command the pipeline runs exists in the CLI's manifest. */
function expectRealCommands(runs: string[]): void {
  const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, { flags: Record<string, unknown> }>;
  };
  const commands = runs.flatMap((r) =>
    [...r.matchAll(/npx (?:--yes coder-platform@\S+|--no-install coder-platform) ([^\n]+)/g)].map((m) => m[1]!),
  );
  expect(commands.length).toBeGreaterThan(3);
  for (const command of commands) {
    const words = command.split(' ');
    const flagAt = words.findIndex((w) => w.startsWith('--'));
    const id = words.slice(0, flagAt < 0 ? undefined : flagAt).join(':');
    const known = manifest.commands[id]?.flags;
    expect(known, `command ${id}`).toBeDefined();
    for (const w of words.filter((x) => x.startsWith('--')))
      expect(Object.keys(known!), `${id} ${w}`).toContain(w.slice(2));
  }
}

describe('ci init --provider github', () => {
  it("passes GitHub's own workflow parser, and the parser rejects a broken workflow", async () => {
    const text = content(options('github'));
    expect(await githubWorkflowErrors(text)).toEqual([]);
    expect((await githubWorkflowErrors(text.replace('runs-on:', 'runs_on:'))).join('\n')).toMatch(/runs_on|runs-on/);
    expect(
      await githubWorkflowErrors(text.replace("'workflow_dispatch'", "'workflow_dispatch' && nope.x")),
    ).not.toEqual([]);
  });

  it('OIDC per job, plan on PRs into the job summary, approved deploy, restore test on the cadence, one queue', () => {
    const wf = parse(content(options('github'))) as {
      on: Record<string, unknown>;
      permissions: unknown;
      jobs: Record<string, Job>;
    };
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'push', 'schedule', 'workflow_dispatch']);
    expect(wf.on.schedule).toEqual([{ cron: '17 5 1 * *' }]);
    const { plan, deploy } = wf.jobs;
    const restore = wf.jobs['restore-test']!;
    for (const job of [plan!, deploy!, restore]) {
      expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
      expect(job.concurrency).toEqual({ group: 'coder-platform-acme', 'cancel-in-progress': false, queue: 'max' });
      const login = job.steps!.find((s) => s.uses === 'aws-actions/configure-aws-credentials@v4')!;
      expect(login.with!['role-to-assume']).toMatch(/^\$\{\{ vars\.CODER_PLATFORM_(PLAN|DEPLOY)_ROLE_ARN \}\}$/);
      expect(JSON.stringify(job)).not.toMatch(/aws-access-key-id|AWS_SECRET_ACCESS_KEY|secrets\./);
    }
    expect(plan!.steps!.map((s) => s.run).join('\n')).toContain(
      'plan --diff --non-interactive --summary-file "$GITHUB_STEP_SUMMARY"',
    );
    expect(plan!.env).toBeUndefined(); // merge-request checks never touch the deployment's S3 state
    expect(deploy!.environment).toBe('production');
    expect(deploy!.if).toContain("github.ref == 'refs/heads/main'");
    expect(deploy!.env).toMatchObject({
      CODER_PLATFORM_STATE_BACKEND: 's3',
      CODER_PLATFORM_STATE_BUCKET: '${{ vars.CODER_PLATFORM_STATE_BUCKET }}',
      CODER_PLATFORM_STATE_REGION: 'us-east-1',
    });
    expect(restore.steps!.map((s) => s.run).join('\n')).toContain(
      'day2 restore-test --yes --non-interactive ' +
        '--upload "s3://${CODER_PLATFORM_STATE_BUCKET}/coder-platform/restore-tests/"',
    );
    expectRealCommands(Object.values(wf.jobs).flatMap((j) => j.steps!.map((s) => s.run ?? '')));
  });

  it('follows backup.restoreTestCadence, the users file, --state-bucket and --branch', async () => {
    const o = options('github', {
      config: config('backup:\n  restoreTestCadence: weekly\nusers:\n  file: people/users.yaml\n'),
      configPath: 'infra/coder-platform.yaml',
      branch: 'release',
      stateBucket: 'acme-state',
    });
    const text = content(o);
    expect(await githubWorkflowErrors(text)).toEqual([]);
    const wf = parse(text) as {
      on: { schedule: unknown; push: { branches: string[]; paths: string[] } };
      env: Record<string, string>;
      jobs: Record<string, Job>;
    };
    expect(wf.on.schedule).toEqual([{ cron: '17 5 * * 1' }]);
    expect(wf.on.push).toEqual({
      branches: ['release'],
      paths: ['infra/coder-platform.yaml', 'infra/people/users.yaml', '.github/workflows/coder-platform-acme.yml'],
    });
    expect(wf.env.CODER_PLATFORM_CONFIG).toBe('infra/coder-platform.yaml');
    expect(wf.jobs.deploy!.env).toMatchObject({ CODER_PLATFORM_STATE_BUCKET: 'acme-state' });
    expect(content(options('github', { config: config('backup:\n  restoreTestCadence: quarterly\n') }))).toContain(
      'cron: 17 5 1 1,4,7,10 *',
    );
  });
});

describe('how the jobs get the CLI', () => {
  it("pins it through the repository's package.json when that lists coder-platform (npm ci, local bin)", async () => {
    const repoPackageJson = JSON.stringify({ private: true, devDependencies: { 'coder-platform': '0.1.0' } });
    const github = content(options('github', { repoPackageJson }));
    expect(await githubWorkflowErrors(github)).toEqual([]);
    const wf = parse(github) as { jobs: Record<string, Job> };
    for (const job of Object.values(wf.jobs)) {
      const runs = job.steps!.map((s) => s.run ?? '');
      expect(runs.indexOf('npm ci --no-audit --no-fund')).toBeGreaterThan(-1);
      expect(
        runs.filter((r) => r.startsWith('npx ')).every((r) => r.startsWith('npx --no-install coder-platform ')),
      ).toBe(true);
    }
    expectRealCommands(Object.values(wf.jobs).flatMap((j) => j.steps!.map((s) => s.run ?? '')));
    const gitlab = content(options('gitlab', { repoPackageJson }));
    expect(gitlabPipelineErrors(gitlab)).toEqual([]);
    expect((parse(gitlab) as Record<string, Job>).deploy!.before_script).toContain('npm ci --no-audit --no-fund');
    expect(content(options('github', { repoPackageJson: '{"name":"other"}' }))).toContain(
      'npx --yes coder-platform@0.1.0 day1',
    );
  });
});

describe('ci init --provider gitlab', () => {
  it("passes GitLab's published .gitlab-ci.yml schema, and the schema rejects a broken pipeline", () => {
    const text = content(options('gitlab'));
    expect(gitlabPipelineErrors(text)).toEqual([]);
    expect(gitlabPipelineErrors(text.replace('resource_group:', 'resource_groups:'))).not.toEqual([]);
    expect(gitlabPipelineErrors(text.replace('interruptible: false', 'interruptible: maybe'))).not.toEqual([]);
  });

  it('ID token for AWS, resource_group per deployment, protected environment, schedule and web runs', () => {
    const p = parse(content(options('gitlab'))) as Record<string, Job> & { default: Record<string, unknown> };
    expect(p.default.id_tokens).toEqual({ AWS_ID_TOKEN: { aud: 'sts.amazonaws.com' } });
    for (const name of ['plan', 'deploy', 'restore-test']) {
      const job = p[name]!;
      expect(job.resource_group).toBe('coder-platform-acme');
      expect((job.before_script as string[]).join('\n')).toMatch(
        /AWS_WEB_IDENTITY_TOKEN_FILE[\s\S]*AWS_ROLE_ARN="\$CODER_PLATFORM_(PLAN|DEPLOY)_ROLE_ARN"/,
      );
    }
    expect(p.deploy!.environment).toMatchObject({ name: 'production', deployment_tier: 'production' });
    expect(JSON.stringify(p['restore-test']!.rules)).toContain('schedule');
    expect(p.plan!.artifacts).toMatchObject({ expose_as: 'coder-platform plan', paths: ['coder-platform-plan.md'] });
    expectRealCommands(
      ['plan', 'deploy', 'restore-test'].flatMap((n) => [
        ...(p[n]!.script as string[]),
        ...((p[n]!.after_script as string[] | undefined) ?? []),
      ]),
    );
  });
});

describe('writing the files', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const repo = () => {
    const d = mkdtempSync(join(tmpdir(), 'ci-init-'));
    dirs.push(d);
    writeFileSync(join(d, 'coder-platform.yaml'), CONFIG);
    return d;
  };

  it('writes the workflow, refuses to overwrite it without --force (nothing touched), overwrites with it', async () => {
    const root = repo();
    const first = await initCi(options('github', { root }));
    const path = join(root, '.github/workflows/coder-platform-acme.yml');
    expect(first.files).toEqual([
      expect.objectContaining({ path: '.github/workflows/coder-platform-acme.yml', written: true, overwritten: false }),
    ]);
    expect(readFileSync(path, 'utf8')).toBe(first.files[0]!.content);
    expect(first.variables).toEqual([
      'CODER_PLATFORM_PLAN_ROLE_ARN',
      'CODER_PLATFORM_DEPLOY_ROLE_ARN',
      'CODER_PLATFORM_STATE_BUCKET',
    ]);
    writeFileSync(path, 'mine\n');
    const refused = await initCi(options('github', { root })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).exitCode).toBe(2);
    expect((refused as UserError).message).toContain('.github/workflows/coder-platform-acme.yml already exists');
    expect(readFileSync(path, 'utf8')).toBe('mine\n');
    const forced = await initCi(options('github', { root, force: true }));
    expect(forced.files[0]!.overwritten).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(forced.files[0]!.content);
  });

  it('--dry-run writes nothing; paths outside the repository and bad names are usage errors', async () => {
    const root = repo();
    const dry = await initCi(options('gitlab', { root, dryRun: true }));
    expect(dry.files[0]!.written).toBe(false);
    expect(existsSync(join(root, '.gitlab-ci.yml'))).toBe(false);
    for (const bad of [
      { output: '../elsewhere.yml' },
      { configPath: '/etc/coder-platform.yaml' },
      { stateBucket: 'Not_A_Bucket' },
      { branch: 'a b' },
    ]) {
      const error = await initCi(options('gitlab', { root, ...bad })).catch((e: unknown) => e);
      expect(error, JSON.stringify(bad)).toBeInstanceOf(UserError);
    }
    expect(existsSync(join(root, '.gitlab-ci.yml'))).toBe(false);
  });
});
