/**
 * The packed package: `npm pack` of the built tree installs into an empty directory and runs. In its own file
 * so its install (most of its time is npm unpacking the dependencies) runs beside the other test files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './helpers.js';

describe('npm pack', () => {
  it('produces a package that installs into an empty directory and runs coder-platform --help', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pack-'));
    const npm = (args: string[], cwd: string) => spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000 });
    // dist/ is built by test/global-setup.ts; --ignore-scripts skips prepack's rebuild, which would rewrite the
    // committed manifest.
    const pack = npm(['pack', '--ignore-scripts', '--pack-destination', dir], root);
    expect(pack.status, pack.stderr).toBe(0);
    const tgz = join(dir, pack.stdout.trim().split('\n').at(-1)!);
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{"name":"pack-check","version":"1.0.0","private":true}\n');
    // Tarballs come from the cache `npm ci` filled; the registry is asked only for metadata the cache lacks
    // (a fresh machine has no packuments cached, so --offline would fail there).
    const install = npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tgz], app);
    expect(install.status, install.stderr).toBe(0);
    const help = spawnSync(join(app, 'node_modules', '.bin', 'coder-platform'), ['--help'], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/COMMANDS[\s\S]*init/);
    expect(existsSync(join(app, 'node_modules/coder-platform/schema/coder-platform.schema.json'))).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  }, 400_000);
});
