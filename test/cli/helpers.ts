/** Shared by the built-binary tests (dist/ is built once per run by test/global-setup.ts): run bin/run.js as a subprocess. */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');
export const bin = resolve(root, 'bin/run.js');

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
}

/** Run the CLI without a terminal (so never interactive) and with a clean CODER_PLATFORM_* environment. */
export function cli(args: string[], options: RunOptions = {}): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CODER_PLATFORM_')),
  );
  return spawnSync(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], {
    cwd: options.cwd ?? root,
    env: { ...env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}
