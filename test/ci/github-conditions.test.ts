/**
 * Which jobs of the generated GitHub workflow run for each event: every job's `if:` evaluated by GitHub's own
 * expression engine (@actions/expressions) with the `github` and `inputs` contexts of that event.
 */
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { truthy } from '@actions/expressions/result';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { buildCiFiles } from '../../src/services/ci/service.js';

const CONFIG =
  'apiVersion: coder-platform/v1\nprofile: mvp-500\ndeployment:\n  name: acme\n' +
  'dns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n';

const dictionary = (values: Record<string, string>) =>
  new data.Dictionary(...Object.entries(values).map(([key, value]) => ({ key, value: new data.StringData(value) })));

function evaluate(condition: string, github: Record<string, string>, inputs: Record<string, string>): boolean {
  const lexed = new Lexer(condition).lex();
  const expression = new Parser(lexed.tokens, ['github', 'inputs'], []).parse();
  const context = new data.Dictionary(
    { key: 'github', value: dictionary(github) },
    { key: 'inputs', value: dictionary(inputs) },
  );
  return truthy(new Evaluator(expression, context).evaluate());
}

describe('the GitHub workflow: which jobs each event starts', () => {
  const config = parseConfigText(CONFIG, 'coder-platform.yaml');
  const [file] = buildCiFiles({
    provider: 'github',
    config,
    configPath: 'coder-platform.yaml',
    root: '/repo',
    cliSpec: 'coder-platform@0.1.0',
  });
  const jobs = (parse(file!.content) as { jobs: Record<string, { if: string }> }).jobs;
  const running = (github: Record<string, string>, inputs: Record<string, string> = {}) =>
    Object.entries(jobs)
      .filter(([, job]) => evaluate(job.if, github, inputs))
      .map(([name]) => name);

  it('a pull request plans, a push to main deploys, the schedule restore-tests, a dispatch runs its operation', () => {
    expect(running({ event_name: 'pull_request', ref: 'refs/pull/7/merge' })).toEqual(['plan']);
    expect(running({ event_name: 'push', ref: 'refs/heads/main' })).toEqual(['deploy']);
    expect(running({ event_name: 'schedule', ref: 'refs/heads/main' })).toEqual(['restore-test']);
    for (const operation of ['plan', 'deploy', 'restore-test']) {
      expect(running({ event_name: 'workflow_dispatch', ref: 'refs/heads/main' }, { operation })).toEqual([operation]);
    }
  });

  it('nothing deploys from another branch, not even a dispatch', () => {
    expect(running({ event_name: 'push', ref: 'refs/heads/feature' })).toEqual([]);
    expect(running({ event_name: 'workflow_dispatch', ref: 'refs/heads/feature' }, { operation: 'deploy' })).toEqual(
      [],
    );
  });
});
