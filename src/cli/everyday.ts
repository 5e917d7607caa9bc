/**
 * The bodies of the everyday offline commands (status, config validate, config show), shared by their oclif
 * commands and by the start-up fast path (src/cli/fast-path.ts). No @oclif/core here: importing it costs more
 * start-up time than the commands themselves. Each loads what it needs lazily, and writes its human output only
 * after everything succeeded (so a failure has printed nothing and can be rendered by the base command).
 */
import type { GlobalOptions } from '../globals.js';
import type { CoderPlatformConfig } from '../config/schema.js';
import type { StatusResult } from '../services/status.js';

export type ConfigValidateResult = { valid: true; path: string; deployment: string; profile: string };
/** The fully resolved configuration. Secret fields hold references (ARN, name or env:NAME), never values. */
export type ConfigShowResult = { path: string; config: CoderPlatformConfig };

export async function statusAction(globals: GlobalOptions): Promise<StatusResult> {
  const { loadConfigFromGlobals } = await import('../config/from-globals.js');
  const { config, path: configPath } = await loadConfigFromGlobals(globals);
  const { openStateDir } = await import('../engine/state-dir.js');
  const stateDir = await openStateDir({ override: globals.stateDir, configPath, config, write: false });
  const { readStatus } = await import('../services/status.js');
  const deployment = config.deployment.name;
  const { openStateBackend } = await import('../services/state-backend.js');
  const remote = await openStateBackend(config, globals);
  const result = await readStatus({ deployment, stateDir, globals, remote });
  if (!globals.json) {
    const { renderStatus } = await import('../ui/status-view.js');
    process.stdout.write(renderStatus(result));
  }
  return result;
}

export async function configValidateAction(globals: GlobalOptions): Promise<ConfigValidateResult> {
  const { loadConfigFromGlobals } = await import('../config/from-globals.js');
  const { config, path } = await loadConfigFromGlobals(globals);
  if (!globals.json) {
    const { renderValidateOk } = await import('../ui/config-view.js');
    process.stdout.write(renderValidateOk(path, config));
  }
  return { valid: true, path, deployment: config.deployment.name, profile: config.profile };
}

export async function configShowAction(globals: GlobalOptions): Promise<ConfigShowResult> {
  const { loadConfigFromGlobals } = await import('../config/from-globals.js');
  const { config, path } = await loadConfigFromGlobals(globals);
  if (!globals.json) {
    const { renderConfigYaml } = await import('../ui/config-view.js');
    process.stdout.write(renderConfigYaml(config, path));
  }
  return { path, config };
}

/** The command ids the fast path may run, with their bodies. */
export const EVERYDAY_ACTIONS: Record<string, (globals: GlobalOptions) => Promise<unknown>> = {
  status: statusAction,
  'config:validate': configValidateAction,
  'config:show': configShowAction,
};

/** Prompting is only ever allowed on a real terminal outside CI and outside --json. */
export function isNonInteractive(options: {
  flag: boolean;
  json: boolean;
  env?: NodeJS.ProcessEnv;
  stdinIsTTY?: boolean;
}): boolean {
  const env = options.env ?? process.env;
  const tty = options.stdinIsTTY ?? process.stdin.isTTY === true;
  return options.flag || options.json || env.CI === 'true' || env.CI === '1' || !tty;
}
