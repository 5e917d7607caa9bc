import { readFileSync } from 'node:fs';
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

  it('documents every exit code of src/errors.ts and the same test command as .ci/run', async () => {
    const { ExitCode } = await import('../../src/errors.js');
    for (const code of Object.values(ExitCode)) expect(readme).toMatch(new RegExp(`\\| ${code} \\|`));
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    const testCommand = /<!-- test-command -->\n```sh\n(.+)\n```/.exec(readme)?.[1];
    expect(testCommand).toBe('npm ci && npm test');
    expect(ci.trim().split('\n').slice(-2)).toEqual(['npm ci', 'npm test']);
  });
});
