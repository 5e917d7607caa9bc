/**
 * The one way commands load configuration: the shared flags (already merged with their CODER_PLATFORM_*
 * variables by oclif, flag first) become the top layer over the file and the profile.
 * Precedence: flag > environment > file > profile default.
 */
import type { GlobalOptions } from '../globals.js';
import { deepMerge, loadConfig, type LoadedConfig } from './load.js';
import type { ConfigLayer } from './profiles.js';

/** The partial config the shared flags contribute. Only flags that were given appear. */
export function overridesFromGlobals(globals: Pick<GlobalOptions, 'region' | 'awsProfile'>): ConfigLayer {
  const aws: ConfigLayer = {};
  if (globals.region !== undefined && globals.region !== '') aws.region = globals.region;
  if (globals.awsProfile !== undefined && globals.awsProfile !== '') aws.profile = globals.awsProfile;
  return Object.keys(aws).length > 0 ? { aws } : {};
}

/** Load, merge and validate the configuration named by --config, with the shared flags on top. */
export async function loadConfigFromGlobals(globals: Pick<GlobalOptions, 'configPath' | 'region' | 'awsProfile'>, extra: ConfigLayer = {}): Promise<LoadedConfig> {
  return loadConfig({ path: globals.configPath, overrides: deepMerge(overridesFromGlobals(globals), extra) });
}
