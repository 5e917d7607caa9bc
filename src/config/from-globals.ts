/**
 * The one way commands load configuration: the shared flags (already merged with their CODER_PLATFORM_*
 * variables by oclif, flag first) become the top layer over the file and the profile.
 * Precedence: flag > environment > file > profile default.
 */
import type { GlobalOptions } from '../globals.js';
import { deepMerge, loadConfig, type LoadedConfig } from './load.js';
import type { ConfigLayer } from './profiles.js';

/** The partial config the shared flags contribute. Only flags that were given appear. */
export function overridesFromGlobals(
  globals: Pick<
    GlobalOptions,
    'region' | 'awsProfile' | 'stateBackend' | 'stateBucket' | 'statePrefix' | 'stateRegion'
  >,
): ConfigLayer {
  const given = (v: string | undefined): v is string => v !== undefined && v !== '';
  const aws: ConfigLayer = {};
  if (given(globals.region)) aws.region = globals.region;
  if (given(globals.awsProfile)) aws.profile = globals.awsProfile;
  const state: ConfigLayer = {};
  if (given(globals.stateBackend)) state.backend = globals.stateBackend;
  if (given(globals.stateBucket)) state.bucket = globals.stateBucket;
  if (globals.statePrefix !== undefined) state.prefix = globals.statePrefix;
  if (given(globals.stateRegion)) state.region = globals.stateRegion;
  return { ...(Object.keys(aws).length > 0 ? { aws } : {}), ...(Object.keys(state).length > 0 ? { state } : {}) };
}

/** Load, merge and validate the configuration named by --config, with the shared flags on top. */
export async function loadConfigFromGlobals(
  globals: Pick<
    GlobalOptions,
    'configPath' | 'region' | 'awsProfile' | 'stateBackend' | 'stateBucket' | 'statePrefix' | 'stateRegion'
  >,
  extra: ConfigLayer = {},
): Promise<LoadedConfig> {
  return loadConfig({ path: globals.configPath, overrides: deepMerge(overridesFromGlobals(globals), extra) });
}
