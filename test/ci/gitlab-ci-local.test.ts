/**
 * The generated .gitlab-ci.yml run through gitlab-ci-local (a GitLab CI implementation: GitLab's schema,
 * then `workflow:rules` and job `rules` evaluated for a pipeline source), in a throw-away git repository.
 * It answers which jobs a merge request, a push to the deploy branch or another branch, a schedule and a
 * web run would start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { buildCiFiles } from '../../src/services/ci/service.js';

const CONFIG =
  'apiVersion: coder-platform/v1\nprofile: mvp-500\ndeployment:\n  name: acme\n' +
  'dns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n';
const gcl = join(dirname(createRequire(import.meta.url).resolve('gitlab-ci-local/package.json')), 'src/index.js');

describe('the GitLab pipeline under gitlab-ci-local', () => {
  const repo = mkdtempSync(join(tmpdir(), 'gcl-'));
  const git = (...args: string[]) =>
    spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
      cwd: repo,
      encoding: 'utf8',
    });

  beforeAll(() => {
    const config = parseConfigText(CONFIG, 'coder-platform.yaml');
    const [file] = buildCiFiles({
      provider: 'gitlab',
      config,
      configPath: 'coder-platform.yaml',
      root: repo,
      cliSpec: 'coder-platform@0.1.0',
    });
    writeFileSync(join(repo, 'coder-platform.yaml'), CONFIG);
    writeFileSync(join(repo, file!.path), file!.content);
    expect(git('init', '-q', '-b', 'main').status).toBe(0);
    expect(git('add', '.').status).toBe(0);
    expect(git('commit', '-q', '-m', 'pipeline').status).toBe(0);
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  /** The jobs a pipeline would run (when ≠ never) for these variables (stdout starts with warnings, then the JSON). */
  const jobs = (variables: Record<string, string>): string[] => {
    const args = [gcl, '--list-json', ...Object.entries(variables).flatMap(([k, v]) => ['--variable', `${k}=${v}`])];
    const run = spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const list = JSON.parse(run.stdout.slice(run.stdout.search(/^\[$/m))) as { name: string; when: string }[];
    return list.filter((j) => j.when !== 'never').map((j) => j.name);
  };

  it('a merge request plans, a push to main deploys, a schedule restore-tests, a web run does what it is asked', () => {
    expect(jobs({ CI_PIPELINE_SOURCE: 'merge_request_event' })).toEqual(['plan']);
    expect(jobs({ CI_PIPELINE_SOURCE: 'push' })).toEqual(['deploy']);
    expect(jobs({ CI_PIPELINE_SOURCE: 'schedule' })).toEqual(['restore-test']);
    expect(jobs({ CI_PIPELINE_SOURCE: 'web' })).toEqual(['plan']);
    expect(jobs({ CI_PIPELINE_SOURCE: 'web', CODER_PLATFORM_OPERATION: 'restore-test' })).toEqual(['restore-test']);
    expect(jobs({ CI_PIPELINE_SOURCE: 'web', CODER_PLATFORM_OPERATION: 'deploy' })).toEqual(['deploy']);
  });

  it('a push to another branch deploys nothing, not even from a web run', () => {
    expect(git('checkout', '-q', '-b', 'feature').status).toBe(0);
    expect(jobs({ CI_PIPELINE_SOURCE: 'push' })).toEqual([]);
    expect(jobs({ CI_PIPELINE_SOURCE: 'web', CODER_PLATFORM_OPERATION: 'deploy' })).toEqual([]);
  });
});
