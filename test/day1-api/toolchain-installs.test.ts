/**
 * Each toolchain installs what its design lists: toolchain.yaml's `installs` covers the seed's list
 * (seed-facts §9), and the install script, rendered by Terraform, installs every entry and ends by checking exactly
 * those. Also the `installs` schema, its check in the contract, and how a missing checker is reported.
 */
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { describe, expect, it, vi } from 'vitest';
import {
  loadTemplateAssets,
  toolchainInstallSchema,
  type ToolchainInstall,
} from '../../src/phases/day1/templates/assets.js';
import { composeTemplate } from '../../src/phases/day1/templates/compose.js';
import { pairingProblems } from '../../src/phases/day1/templates/contract.js';
import { testConfig } from './helpers.js';
import { assertTool, renderToolchain, requiredTool } from './template-render.js';

const terraform = requiredTool('terraform', 'Terraform ≥ 1.5 renders the templates');

/** The seed's lists (seed-facts §9: [S] diagram, [pub-S] versions); each must be one of the toolchain's installs. */
const SEED_LISTS: Record<string, string[]> = {
  swdev: ['Go 1.23', 'Node 22', 'Python 3.12', 'docker-cli', 'git', 'make', 'jq', 'yq', 'terraform', 'kubectl', 'gh'],
  datasci: ['Python 3.12', 'R 4.x', 'Jupyter', 'scikit-learn', 'pandas', 'CUDA', 'PyTorch', 'TensorFlow'],
  windev: ['C#', '.NET 8', 'Visual Studio 2022', 'PowerShell', 'Git', 'Azure CLI'],
};

/**
 * The lines a script runs directly: without comments and without function bodies (bash `name() {` … `}` and
 * PowerShell `function Name {` … `}`, closed by a `}` in column 0), so a download URL inside an installer
 * function does not count as installing unless the script also calls it.
 */
function directLines(script: string): string {
  const out: string[] = [];
  let inFunction = false;
  for (const line of script.split('\n')) {
    if (inFunction) {
      inFunction = line !== '}';
      continue;
    }
    if (/^(function\s+[\w-]+|[\w-]+\(\))/.test(line)) {
      inFunction = !/\}\s*$/.test(line);
      continue;
    }
    if (!line.trim().startsWith('#')) out.push(line);
  }
  return out.join('\n');
}
const VERIFY_MARKER = 'What toolchain.yaml promises (its `installs` list)';

/** What the verification part of a rendered install script checks, as toolchain.yaml keys. */
function checkedByScript(script: string): string[] {
  const verify = script.slice(script.indexOf(VERIFY_MARKER));
  const words = (re: RegExp) => [...verify.matchAll(re)].flatMap((m) => m[1]!.split(/[\s,]+/).filter((w) => w !== ''));
  return [
    ...words(/^require_command ([^\n]+)$/gm).map((c) => `command:${c}`),
    ...words(/^require_python ([^\n]+)$/gm).map((m) => `python:${m}`),
    ...words(/^Assert-Command ([^\n]+)$/gm).map((c) => `command:${c}`),
    ...(/^if \(-not \(Get-VisualStudioPath\)\) \{ throw/m.test(verify) ? ['component:visual-studio-2022'] : []),
  ].sort();
}

const key = (i: ToolchainInstall) =>
  i.command ? `command:${i.command}` : i.python ? `python:${i.python}` : `component:${i.component}`;

describe('toolchains install what they list', () => {
  const variants: [string, Record<string, string>][] = [
    ['swdev', {}],
    ['datasci', { 'gpu-support': 'false' }],
    ['datasci', { 'gpu-support': 'true' }],
    ['windev', { 'gui-rdp': 'true' }],
  ];

  it('each toolchain.yaml lists every tool the seed names for it', async () => {
    const assets = await loadTemplateAssets();
    for (const [name, seed] of Object.entries(SEED_LISTS)) {
      const names = assets.toolchains[name]!.installs.map((i) => i.name.toLowerCase());
      for (const tool of seed)
        expect(
          names.some((n) => n.includes(tool.toLowerCase())),
          `${name}: ${tool}`,
        ).toBe(true);
      for (const tool of seed)
        expect(assets.toolchains[name]!.description.toLowerCase(), `${name} description: ${tool}`).toContain(
          tool.toLowerCase(),
        );
    }
  });

  it.runIf(terraform.run)(
    'each install script installs and then checks exactly its toolchain.yaml list',
    { timeout: 120_000 },
    async () => {
      const assets = await loadTemplateAssets();
      for (const [name, capabilities] of variants) {
        const script = (await renderToolchain(assertTool(terraform, 'terraform'), assets, name, capabilities))
          .install_script!;
        const expected = assets.toolchains[name]!.installs.filter(
          (i) => i.when === undefined || capabilities[i.when] === 'true',
        );
        const label = `${name} ${JSON.stringify(capabilities)}`;
        expect(checkedByScript(script), label).toEqual(expected.map(key).sort());
        const installPart = directLines(script.slice(0, script.indexOf(VERIFY_MARKER)));
        for (const item of expected) {
          const token = item.via ?? item.command ?? item.python ?? item.component!;
          const pattern = new RegExp(`(^|[^A-Za-z0-9_.-])${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm');
          expect(pattern.test(installPart), `${label}: nothing installs ${item.name} (${token})`).toBe(true);
        }
      }
    },
  );

  it('an installs entry checks one thing and depends only on a capability the toolchain declares', async () => {
    expect(toolchainInstallSchema.safeParse({ name: 'Go', command: 'go' }).success).toBe(true);
    expect(toolchainInstallSchema.safeParse({ name: 'Go' }).success).toBe(false);
    expect(toolchainInstallSchema.safeParse({ name: 'Go', command: 'go', python: 'go' }).success).toBe(false);
    const assets = await loadTemplateAssets();
    const datasci = assets.toolchains.datasci!;
    const withRdp = {
      ...datasci,
      installs: [...datasci.installs, { name: 'KasmVNC', command: 'vncserver', when: 'gui-rdp' }],
    };
    const problems = pairingProblems(
      { ...assets, toolchains: { ...assets.toolchains, datasci: withRdp } },
      assets.pairings['ec2-datasci']!,
    );
    expect(problems.join('\n')).toMatch(
      /installs entry "KasmVNC" depends on gui-rdp, which the toolchain neither requires/,
    );
    expect(pairingProblems(assets, assets.pairings['ec2-datasci']!)).toEqual([]);
  });

  it('every file a module reads with templatefile() or file() is in the composed archive', async () => {
    const assets = await loadTemplateAssets();
    for (const pairing of Object.keys(assets.pairings)) {
      const composed = await composeTemplate(assets, testConfig(), pairing);
      const paths = new Set(composed.files.map((f) => f.path));
      for (const file of composed.files.filter((f) => /^(toolchain|base)\/[^/]+\.tf$/.test(f.path))) {
        await parseHcl(file.path, file.content); // parses, so the reads below are real expressions
        for (const m of file.content.matchAll(/\b(?:templatefile|file)\("\$\{path\.module\}\/([^"]+)"/g)) {
          expect(paths.has(`${path.posix.dirname(file.path)}/${m[1]}`), `${pairing}: ${file.path} reads ${m[1]}`).toBe(
            true,
          );
        }
      }
    }
  });
});

describe('missing checkers', () => {
  it('are a visible skip locally and a failing test with CI=true', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      vi.stubEnv('CI', '');
      expect(requiredTool('no-such-checker-i11', 'apt-get install it')).toEqual({ path: undefined, run: false });
      expect(warn.mock.calls.flat().join('\n')).toMatch(/\[skip\] no-such-checker-i11 is not installed/);
      vi.stubEnv('CI', 'true');
      const tool = requiredTool('no-such-checker-i11', 'apt-get install it');
      expect(tool.run).toBe(true);
      expect(() => assertTool(tool, 'no-such-checker-i11')).toThrow(
        /no-such-checker-i11 is not installed; \.ci\/run installs it/,
      );
    } finally {
      vi.unstubAllEnvs();
      warn.mockRestore();
    }
  });
});
