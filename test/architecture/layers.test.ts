/**
 * The layer rules of .dependency-cruiser.js (README "Design"): the real tree obeys them, and each rule fails
 * on a small fixture tree that breaks it — through the API and through the same CLI call as `npm run depcruise`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../cli/helpers.js';

const configFile = join(root, '.dependency-cruiser.js');
const fixtureTsConfig = JSON.stringify({
  compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
  include: ['src', 'assets', 'test'],
});

/** A tree that follows every rule: one command, its phase's service and internals, an adapter, the domain, the UI. */
const CLEAN: Record<string, string> = {
  'src/errors.ts': 'export class UserError extends Error {}\n',
  'src/globals.ts': 'export interface GlobalOptions { configPath: string }\n',
  'src/base-command.ts':
    "import type { GlobalOptions } from './globals.js';\nexport abstract class BaseCommand { globals?: GlobalOptions }\n",
  'src/config/schema.ts': 'export interface Config { name: string }\n',
  'src/config/from-globals.ts':
    "import type { GlobalOptions } from '../globals.js';\nimport type { Config } from './schema.js';\nexport const load = (g: GlobalOptions): Config => ({ name: g.configPath });\n",
  'src/aws/clients.ts':
    "import { UserError } from '../errors.js';\nexport const awsCall = (): never => { throw new UserError(); };\n",
  'src/engine/types.ts': 'export interface Phase { name: string }\n',
  'src/phases/day0/deploy.ts': "import { awsCall } from '../../aws/clients.js';\nexport const deploy = awsCall;\n",
  'src/phases/day0/service.ts': "export { deploy } from './deploy.js';\n",
  'src/phases/day2/poll.ts': 'export const poll = 1;\n',
  'src/phases/day2/upgrade/gate.ts':
    "import { poll } from '../poll.js';\nimport type { Config } from '../../../config/schema.js';\nexport const gate = (c: Config) => c.name + poll;\n",
  'src/phases/day2/upgrade/service.ts':
    "import type { Phase } from '../../../engine/types.js';\nimport { gate } from './gate.js';\nexport interface UpgradeResult { phase: Phase }\nexport const upgrade = gate;\n",
  'src/phases/day2/restore-test/restore-db.ts': 'export const restore = 1;\n',
  'src/phases/day2/restore-test/service.ts':
    "import { restore } from './restore-db.js';\nexport const restoreTest = restore;\n",
  'src/phases/plan/service.ts': "import { deploy } from '../day0/service.js';\nexport const plan = deploy;\n",
  'src/ui/day2-view.ts':
    "import type { UpgradeResult } from '../phases/day2/upgrade/service.js';\nexport const render = (r: UpgradeResult): string => r.phase.name;\n",
  'src/services/status.ts':
    "import type { Phase } from '../engine/types.js';\nimport { plan } from '../phases/plan/service.js';\nexport const status = (p: Phase) => p.name + String(plan);\n",
  'assets/cdk/lib/stack.ts':
    "import type { Config } from '../../../src/config/schema.js';\nexport const stack = (c: Config) => c.name;\n",
  'test/fake.ts': 'export const fake = 1;\n',
  'src/commands/day2/upgrade.ts':
    "import { BaseCommand } from '../../base-command.js';\nimport type { UpgradeResult } from '../../phases/day2/upgrade/service.js';\n" +
    "export type { UpgradeResult };\nexport default class Upgrade extends BaseCommand { async run() { return (await import('../../ui/day2-view.js')).render; } }\n",
};

/** One deliberate violation per rule: the files it changes or adds to the clean tree. */
const VIOLATIONS: { rule: string; what: string; files: Record<string, string> }[] = [
  {
    rule: 'services-never-present',
    what: 'a service imports src/ui',
    files: {
      'src/phases/day2/upgrade/gate.ts':
        "import { render } from '../../../ui/day2-view.js';\nexport const gate = render;\n",
    },
  },
  {
    rule: 'services-never-present',
    what: 'the config layer imports the command base (the old from-globals)',
    files: {
      'src/config/from-globals.ts':
        "import type { BaseCommand } from '../base-command.js';\nexport type B = BaseCommand;\n",
    },
  },
  {
    rule: 'ui-renders-service-results',
    what: 'the UI takes a result type from a command',
    files: {
      'src/ui/day2-view.ts':
        "import type { UpgradeResult } from '../commands/day2/upgrade.js';\nexport const render = (r: UpgradeResult): unknown => r;\n",
    },
  },
  {
    rule: 'ui-renders-service-results',
    what: "the UI imports a phase's internals",
    files: {
      'src/ui/gate-view.ts': "import { gate } from '../phases/day2/upgrade/gate.js';\nexport const v = gate;\n",
    },
  },
  {
    rule: 'no-circular',
    what: 'two phase files import each other',
    files: {
      'src/phases/day2/poll.ts':
        "import { gate } from './upgrade/gate.js';\nexport const poll = 1;\nexport const g = gate;\n",
    },
  },
  {
    rule: 'commands-call-services',
    what: 'a command calls an adapter',
    files: { 'src/commands/eks-token.ts': "import { awsCall } from '../aws/clients.js';\nexport default awsCall;\n" },
  },
  {
    rule: 'commands-call-services',
    what: "a command imports a phase's internals",
    files: {
      'src/commands/day2/gate.ts': "import { gate } from '../../phases/day2/upgrade/gate.js';\nexport default gate;\n",
    },
  },
  {
    rule: 'phase-internals-stay-inside',
    what: "a phase imports another phase's internals",
    files: {
      'src/phases/plan/service.ts': "import { deploy } from '../day0/deploy.js';\nexport const plan = deploy;\n",
    },
  },
  {
    rule: 'day2-operation-internals-stay-inside',
    what: "a Day 2 operation imports another one's internals",
    files: {
      'src/phases/day2/upgrade/snapshot.ts':
        "import { restore } from '../restore-test/restore-db.js';\nexport const s = restore;\n",
    },
  },
  {
    rule: 'services-use-phase-services',
    what: "a non-phase service imports a phase's internals",
    files: {
      'src/services/status.ts': "import { gate } from '../phases/day2/upgrade/gate.js';\nexport const status = gate;\n",
    },
  },
  {
    rule: 'adapters-never-import-phases',
    what: 'an adapter imports a phase',
    files: {
      'src/aws/secrets.ts': "import { upgrade } from '../phases/day2/upgrade/service.js';\nexport const s = upgrade;\n",
    },
  },
  {
    rule: 'domain-is-the-bottom',
    what: 'the domain calls an adapter',
    files: { 'src/config/load.ts': "import { awsCall } from '../aws/clients.js';\nexport const l = awsCall;\n" },
  },
  {
    rule: 'engine-runs-any-phase',
    what: 'the engine imports a phase',
    files: { 'src/engine/run.ts': "import { deploy } from '../phases/day0/service.js';\nexport const r = deploy;\n" },
  },
  {
    rule: 'kernel-imports-nothing',
    what: 'src/errors.ts imports a layer',
    files: {
      'src/errors.ts':
        "import type { Config } from './config/schema.js';\nexport class UserError extends Error { c?: Config }\n",
    },
  },
  {
    rule: 'cdk-app-uses-domain-only',
    what: 'the bundled CDK app calls an adapter',
    files: {
      'assets/cdk/lib/stack.ts':
        "import { awsCall } from '../../../src/aws/clients.js';\nexport const stack = awsCall;\n",
    },
  },
  {
    rule: 'src-never-imports-tests',
    what: 'source imports a test helper',
    files: {
      'src/phases/day0/deploy.ts': "import { fake } from '../../../test/fake.js';\nexport const deploy = fake;\n",
    },
  },
  {
    rule: 'not-to-unresolvable',
    what: 'an import points at a moved file',
    files: {
      'src/phases/day2/upgrade/gate.ts': "import { poll } from '../../../day2/poll.js';\nexport const gate = poll;\n",
    },
  },
];

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
  }
}

/** Cruise `dir`'s src and assets/cdk with the project's rules, the way `npm run depcruise` does from the project root. */
async function violations(dir: string): Promise<{ rule: string; from: string; to: string }[]> {
  const options: ICruiseOptions = {
    ...(await extractDepcruiseOptions(configFile)),
    baseDir: dir,
    tsConfig: { fileName: join(dir, 'tsconfig.json') },
  };
  const { output } = await cruise(['src', 'assets/cdk'], options, undefined, {
    tsConfig: extractTSConfig(join(dir, 'tsconfig.json')),
  });
  return (output as ICruiseResult).summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

describe('layer rules (dependency-cruiser)', () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'cp-layers-'));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  async function tree(name: string, changes: Record<string, string> = {}): Promise<string> {
    const dir = join(base, name);
    await writeTree(dir, { ...CLEAN, ...changes, 'tsconfig.json': fixtureTsConfig });
    return dir;
  }

  it('the source tree obeys every rule', async () => {
    const options: ICruiseOptions = { ...(await extractDepcruiseOptions(configFile)), baseDir: root };
    const { output } = await cruise(['src', 'assets/cdk'], options, undefined, {
      tsConfig: extractTSConfig(join(root, 'tsconfig.json')),
    });
    const result = output as ICruiseResult;
    expect(result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
    // the cruise really followed the imports, type-only ones included (ui/day2-view's result types)
    expect(result.summary.totalCruised).toBeGreaterThan(140);
    const view = result.modules.find((m) => m.source === 'src/ui/day2-view.ts');
    expect(view?.dependencies.map((d) => d.resolved)).toContain('src/phases/day2/upgrade/service.ts');
  });

  it('the clean fixture tree has no violation', async () => {
    expect(await violations(await tree('clean'))).toEqual([]);
  });

  it.each(VIOLATIONS.map((v, i) => ({ ...v, i })))('fails $rule when $what', async ({ rule, files, i }) => {
    const found = await violations(await tree(`violation-${i}`, files));
    expect(found.map((v) => v.rule)).toContain(rule);
  });

  it('`npm run depcruise` (the CLI with this config) exits non-zero on a violation and names the rule', async () => {
    const dir = await tree('cli', VIOLATIONS[0]!.files);
    const bin = join(root, 'node_modules', '.bin', 'depcruise');
    const run = promisify(execFile)(bin, ['src', '--config', configFile, '--output-type', 'err'], { cwd: dir });
    await expect(run).rejects.toMatchObject({
      code: expect.any(Number),
      stdout: expect.stringContaining(
        'error services-never-present: src/phases/day2/upgrade/gate.ts → src/ui/day2-view.ts',
      ),
    });
    const clean = await promisify(execFile)(bin, ['src', '--config', configFile, '--output-type', 'err'], {
      cwd: await tree('cli-clean'),
    });
    expect(clean.stdout).toContain('no dependency violations found');
  });
});
