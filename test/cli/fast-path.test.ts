/**
 * The start-up fast path (src/cli/fast-path.ts): it must parse exactly what oclif parses, or leave the command
 * line to oclif; and the built CLI must print the same with and without it, without loading @oclif/core.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flags, Parser } from '@oclif/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BaseCommand } from '../../src/base-command.js';
import { parseEveryday, type Manifest } from '../../src/cli/fast-path.js';
import { cli, root } from './helpers.js';

const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as Manifest;
const work = mkdtempSync(join(tmpdir(), 'cp-fast-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What oclif's own parser makes of the same command line and environment. */
async function oclifFlags(argv: string[], env: Record<string, string>): Promise<Record<string, unknown> | Error> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const flags = { ...BaseCommand.baseFlags, json: Flags.boolean() };
    return (await Parser.parse(argv, { flags, args: {}, strict: true })).flags as Record<string, unknown>;
  } catch (error) {
    return error as Error;
  } finally {
    for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

describe('fast path parsing', () => {
  it('parses what oclif parses for status and config validate/show, or hands the command line to oclif', async () => {
    const value = fc.constantFrom('prod.yaml', 'a b.yaml', 'eu-west-1', 'ops', '-x', '');
    const token = fc.oneof(
      fc.constantFrom(
        '--config',
        '-c',
        '--region',
        '--aws-profile',
        '--state-dir',
        '--yes',
        '-y',
        '--verbose',
        '--non-interactive',
      ),
      fc.constantFrom('--json', '--help', '--no-yes', '--confg', '-h', 'extra', '--'),
      value.map((v) => `--config=${v}`),
      value,
    );
    const envVar = fc.constantFrom(
      'CODER_PLATFORM_CONFIG',
      'CODER_PLATFORM_REGION',
      'CODER_PLATFORM_YES',
      'CODER_PLATFORM_VERBOSE',
      'CODER_PLATFORM_STATE_DIR',
    );
    const envValue = fc.constantFrom('1', 'true', 'no', 'YES', 'x.yaml', '');
    let handled = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(['status'], ['config', 'validate'], ['config', 'show']),
        fc.array(token, { maxLength: 5 }),
        fc.dictionary(envVar, envValue),
        async (id, rest, env) => {
          const fast = parseEveryday([...id, ...rest], manifest, env);
          if (!fast) return;
          handled += 1;
          expect(fast.id).toBe(id.join(':'));
          const theirs = await oclifFlags(rest, env);
          expect(theirs).not.toBeInstanceOf(Error);
          const ours = Object.fromEntries(Object.entries(fast.flags).filter(([, v]) => v !== undefined));
          const oclif = Object.fromEntries(
            Object.entries(theirs as Record<string, unknown>).filter(([, v]) => v !== undefined),
          );
          // oclif fills unset booleans with false; the fast path leaves them out (both read as "not set").
          for (const [k, v] of Object.entries(oclif)) if (v === false && !(k in ours)) delete oclif[k];
          expect(ours).toEqual(oclif);
        },
      ),
      { numRuns: 300 },
    );
    expect(handled).toBeGreaterThan(30); // the property is not vacuous
  });

  it('leaves --help, --json, unknown or repeated flags, arguments and other commands to oclif', () => {
    for (const argv of [
      ['status', '--help'],
      ['status', '--json'],
      ['status', '--confg', 'x'],
      ['status', '-c', 'a', '-c', 'b'],
      ['status', 'extra'],
      ['plan'],
      ['config'],
      [],
    ]) {
      expect(parseEveryday(argv, manifest, {}), argv.join(' ')).toBeUndefined();
    }
    expect(
      parseEveryday(['config', 'show', '-c', 'p.yaml', '--region=eu-west-1'], manifest, { CODER_PLATFORM_YES: 'yes' })
        ?.flags,
    ).toMatchObject({ config: 'p.yaml', region: 'eu-west-1', yes: true });
  });
});

describe('fast path in the built CLI', () => {
  it('prints exactly what the oclif commands and root help print, for success and for a config error, without loading @oclif/core', () => {
    mkdirSync(join(work, 'p'));
    expect(
      cli(['init', '--non-interactive', '--shape', 'mvp-500', '--domain', 'example.com'], { cwd: join(work, 'p') })
        .status,
    ).toBe(0);
    writeFileSync(
      join(work, 'bad.yaml'),
      'profile: mvp-500\ndns:\n  domain: example.com\nschedule:\n  timezone: Mars/Olympus\n',
    );
    const hooks = join(work, 'hooks');
    mkdirSync(hooks);
    const log = join(hooks, 'loaded.log');
    writeFileSync(
      join(hooks, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) {\n  const r = await next(s, c);\n  if (r.url.includes('@oclif/core')) appendFileSync(${JSON.stringify(log)}, r.url + '\\n');\n  return r;\n}\n`,
    );
    writeFileSync(
      join(hooks, 'register.mjs'),
      `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`,
    );
    const nodeArgs = ['--import', join(hooks, 'register.mjs')];
    const loadedOclif = () => existsSync(log) && readFileSync(log, 'utf8').includes('@oclif/core');
    const cases: [string[], boolean][] = [
      [['status'], false],
      [['config', 'validate'], false],
      [['config', 'show', '--region', 'eu-west-1'], false],
      // The root help comes from oclif bundled in one file (dist/oclif-bundle.js), not from node_modules.
      [['--help'], false],
      [[], false],
      // A config error goes on to oclif, which renders errors (and shows that the hook sees oclif load).
      [['config', 'validate', '-c', join(work, 'bad.yaml')], true],
    ];
    for (const [args, oclif] of cases) {
      rmSync(log, { force: true });
      const fast = cli(args, { cwd: join(work, 'p'), nodeArgs });
      expect(loadedOclif(), args.join(' ')).toBe(oclif);
      const slow = cli(args, { cwd: join(work, 'p'), env: { CODER_PLATFORM_NO_FAST_PATH: '1' } });
      expect({ status: fast.status, stdout: fast.stdout, stderr: fast.stderr }, args.join(' ')).toEqual({
        status: slow.status,
        stdout: slow.stdout,
        stderr: slow.stderr,
      });
    }
  });
});
