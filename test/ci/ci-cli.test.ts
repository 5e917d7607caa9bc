import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, root } from '../cli/helpers.js';
import { githubWorkflowErrors } from './validators.js';

const CONFIG =
  'apiVersion: coder-platform/v1\nprofile: mvp-500\ndeployment:\n  name: acme\n' +
  'dns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n';

describe('coder-platform ci init (built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ci-cli-'));
  beforeAll(() => {
    writeFileSync(join(dir, 'coder-platform.yaml'), CONFIG);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the workflow (--json result), then refuses to overwrite it with exit 2 until --force', async () => {
    const first = cli(['ci', 'init', '--json'], {
      cwd: dir,
      env: { CODER_PLATFORM_CI_PROVIDER: 'github', CODER_PLATFORM_STATE_BUCKET: 'acme-state' },
    });
    expect(first.status, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout) as {
      files: { path: string; content: string; written: boolean }[];
      restoreTestCron: string;
      cli: string;
    };
    expect(result.files.map((f) => [f.path, f.written])).toEqual([['.github/workflows/coder-platform-acme.yml', true]]);
    expect(result.restoreTestCron).toBe('17 5 1 * *');
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expect(result.cli).toBe(`npx --yes coder-platform@${version}`);
    const written = readFileSync(join(dir, result.files[0]!.path), 'utf8');
    expect(written).toBe(result.files[0]!.content);
    expect(written).toContain('CODER_PLATFORM_STATE_BUCKET: acme-state');
    expect(await githubWorkflowErrors(written)).toEqual([]);

    const again = cli(['ci', 'init', '--provider', 'github'], { cwd: dir });
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already exists; nothing was written');
    expect(readFileSync(join(dir, result.files[0]!.path), 'utf8')).toBe(written);
    const forced = cli(['ci', 'init', '--provider', 'github', '--force'], { cwd: dir });
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('Overwrote .github/workflows/coder-platform-acme.yml');
  });

  it('an unknown provider is a usage error (exit 2) naming the allowed values', () => {
    const bad = cli(['ci', 'init', '--provider', 'jenkins'], { cwd: dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Expected --provider=jenkins to be one of: github, gitlab');
  });

  it('plan --summary-file appends the Markdown summary of the same plan (what the workflow puts in the job summary)', () => {
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# an earlier step\n');
    const run = cli(['plan', '--json'], {
      cwd: dir,
      env: {
        CODER_PLATFORM_SUMMARY_FILE: summary,
        AWS_EC2_METADATA_DISABLED: 'true',
        CODER_PLATFORM_STATE_DIR: join(dir, 'state'),
      },
    });
    expect(run.status, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as { stacks: { name: string; resources: number }[]; totalResources: number };
    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('# an earlier step\n### coder-platform plan: acme (mvp-500, us-east-1)')).toBe(true);
    for (const s of plan.stacks) expect(md).toContain(`| ${s.name} | us-east-1 | ${s.resources} |`);
    expect(md).toContain(`| **total** | | **${plan.totalResources}** |`);
  });

  it('every flag of ci init and plan --summary-file has its CODER_PLATFORM_* variable (manifest)', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { flags: Record<string, { env?: string; name: string }> }>;
    };
    const own = Object.values(manifest.commands['ci:init']!.flags).filter((f) => f.name !== 'json');
    expect(own.length).toBeGreaterThan(10);
    for (const f of own) expect(f.env, f.name).toMatch(/^CODER_PLATFORM_[A-Z_]+$/);
    expect(manifest.commands.plan!.flags['summary-file']!.env).toBe('CODER_PLATFORM_SUMMARY_FILE');
  });
});
