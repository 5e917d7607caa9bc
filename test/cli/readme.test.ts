import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReadme, type Manifest } from '../../scripts/readme-sections.js';
import { root } from './helpers.js';

describe('README.md', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('command and config references are fresh (run `npx tsx scripts/generate-readme.ts` when this fails)', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as Manifest;
    expect(readme).toBe(renderReadme(readme, manifest));
  });

  it('lists every IAM action the preflight calls (a new AWS call must be documented)', () => {
    const listed = new Set(
      /<!-- preflight-actions -->([\s\S]*?)<!-- \/preflight-actions -->/
        .exec(readme)?.[1]
        ?.match(/[a-z0-9-]+:[A-Za-z]+/g) ?? [],
    );
    const used = new Set<string>();
    for (const file of sourceFiles(join(root, 'src', 'phases', 'preflight'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/'([a-z0-9-]+:[A-Z][A-Za-z]+)'/g)) used.add(m[1]!);
      // Service Quotas listings name the operation in a template literal.
      if (text.includes('`servicequotas:${operation}`'))
        used.add('servicequotas:ListServiceQuotas').add('servicequotas:ListAWSDefaultServiceQuotas');
    }
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((a) => !listed.has(a)).sort()).toEqual([]);
  });

  it('documents every exit code of src/errors.ts and the same test command as .ci/run', async () => {
    const { ExitCode } = await import('../../src/errors.js');
    for (const code of Object.values(ExitCode)) expect(readme).toMatch(new RegExp(`\\| ${code} \\|`));
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    const testCommand = /<!-- test-command -->\n```sh\n(.+)\n```/.exec(readme)?.[1];
    expect(testCommand).toBe('npm ci && npm test');
    expect(ci.trim().split('\n').slice(-2)).toEqual(['npm ci', 'npm test']);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}
