/**
 * The escape hatch: plain `npx cdk synth` inside assets/cdk, with no AWS credentials, no AWS config and an
 * empty HOME, synthesizes the same five stacks offline (and names the config file when it is missing).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configYaml } from './synth.js';

const cdkDir = path.resolve(import.meta.dirname, '../../assets/cdk');

function cdkSynth(configPath: string, outdir: string): { status: number | null; output: string } {
  return runCdk(['synth', '--quiet', '--no-notices', '-o', outdir, '-c', `config=${configPath}`], cdkDir);
}

function runCdk(args: string[], cwd: string): { status: number | null; output: string } {
  const home = mkdtempSync(path.join(tmpdir(), 'cdk-home-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    CDK_VALIDATION: 'false',
    NO_COLOR: '1',
    npm_config_update_notifier: 'false',
    CDK_DISABLE_VERSION_CHECK: '1',
  };
  const result = spawnSync('npx', ['cdk', ...args], { cwd, env, encoding: 'utf8', timeout: 150_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('npx cdk synth in assets/cdk', () => {
  it('synthesizes all stacks offline without credentials', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cdk-cli-'));
    const configPath = path.join(dir, 'coder-platform.yaml');
    writeFileSync(configPath, configYaml('scale-3000'));
    const outdir = path.join(dir, 'cdk.out');
    const { status, output } = cdkSynth(configPath, outdir);
    expect(status, output).toBe(0);
    for (const stack of ['Network', 'Data', 'Cluster', 'Edge', 'Schedule', 'DrVault'])
      expect(existsSync(path.join(outdir, `${stack}.template.json`)), stack).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { properties?: { stackName?: string } }>;
    };
    const stackNames = Object.values(manifest.artifacts)
      .map((a) => a.properties?.stackName)
      .filter(Boolean);
    expect(stackNames.sort()).toEqual([
      'coder-cluster',
      'coder-data',
      'coder-dr',
      'coder-edge',
      'coder-network',
      'coder-schedule',
    ]);
    expect(output).not.toMatch(/credentials/i);
  });

  it('plain `npx cdk synth` (no flags) reads ../../coder-platform.yaml and synthesizes mvp-500 without a DR stack', () => {
    // A checkout whose root holds coder-platform.yaml: assets/cdk with this cdk.json and the real app (bin → the
    // bundled bin, which imports the bundled lib and src); node_modules of this package for cdk and tsx.
    const root = mkdtempSync(path.join(tmpdir(), 'cdk-plain-'));
    const appDir = path.join(root, 'assets', 'cdk');
    mkdirSync(appDir, { recursive: true });
    copyFileSync(path.join(cdkDir, 'cdk.json'), path.join(appDir, 'cdk.json'));
    symlinkSync(path.join(cdkDir, 'bin'), path.join(appDir, 'bin'), 'dir');
    symlinkSync(path.resolve(cdkDir, '../../node_modules'), path.join(root, 'node_modules'), 'dir');
    writeFileSync(path.join(root, 'coder-platform.yaml'), configYaml('mvp-500'));
    const { status, output } = runCdk(['synth'], appDir);
    expect(status, output).toBe(0);
    const outdir = path.join(appDir, 'cdk.out');
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { properties?: { stackName?: string } }>;
    };
    const stackNames = Object.values(manifest.artifacts)
      .map((a) => a.properties?.stackName)
      .filter(Boolean);
    expect(stackNames.sort()).toEqual(['coder-cluster', 'coder-data', 'coder-edge', 'coder-network', 'coder-schedule']);
    const data = JSON.parse(readFileSync(path.join(outdir, 'Data.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    };
    expect(Object.values(data.Resources).find((r) => r.Type === 'AWS::RDS::DBInstance')?.Properties).toMatchObject({
      Engine: 'postgres',
      DBInstanceClass: 'db.m7i.large',
      MultiAZ: true,
    });
    expect(output).not.toMatch(/credentials/i);
  });

  it('fails with a message naming a missing config file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cdk-cli-'));
    const missing = path.join(dir, 'nope.yaml');
    const { status, output } = cdkSynth(missing, path.join(dir, 'cdk.out'));
    expect(status).not.toBe(0);
    expect(output).toContain(missing);
    expect(output).toContain('does not exist');
  });
});
