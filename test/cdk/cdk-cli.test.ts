/**
 * The escape hatch: plain `npx cdk synth` inside assets/cdk, with no AWS credentials, no AWS config and an
 * empty HOME, synthesizes the same five stacks offline (and names the config file when it is missing).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configYaml } from './synth.js';

const cdkDir = path.resolve(import.meta.dirname, '../../assets/cdk');

function cdkSynth(configPath: string, outdir: string): { status: number | null; output: string } {
  const home = mkdtempSync(path.join(tmpdir(), 'cdk-home-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    CDK_VALIDATION: 'false',
    NO_COLOR: '1',
    npm_config_update_notifier: 'false',
    CDK_DISABLE_VERSION_CHECK: '1',
  };
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', outdir, '-c', `config=${configPath}`], { cwd: cdkDir, env, encoding: 'utf8', timeout: 90_000 });
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
    for (const stack of ['Network', 'Data', 'Cluster', 'Edge', 'Schedule', 'DrVault']) expect(existsSync(path.join(outdir, `${stack}.template.json`)), stack).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { properties?: { stackName?: string } }> };
    const stackNames = Object.values(manifest.artifacts).map((a) => a.properties?.stackName).filter(Boolean);
    expect(stackNames.sort()).toEqual(['coder-cluster', 'coder-data', 'coder-dr', 'coder-edge', 'coder-network', 'coder-schedule']);
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
