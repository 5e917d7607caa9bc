/**
 * The state backend of a command: with `state.backend: s3` (or --state-backend s3 /
 * CODER_PLATFORM_STATE_BACKEND=s3) the store of the deployment's shared state, whose journal and files are
 * pulled into the local working copy before the command reads anything; undefined with the local backend.
 * Phase commands hand the store to executePhase (`remote`), which locks it and mirrors every write.
 */
import type { CoderPlatformConfig } from '../config/schema.js';
import type { GlobalOptions } from '../globals.js';
import type { ObjectStore } from '../engine/object-store.js';

export async function openStateBackend(
  config: Pick<CoderPlatformConfig, 'state' | 'aws' | 'deployment'>,
  globals: Pick<GlobalOptions, 'awsProfile' | 'stateDir'>,
): Promise<ObjectStore | undefined> {
  if (config.state.backend !== 's3') return undefined;
  const [{ openStateStore }, { stateDirFor }] = await Promise.all([
    import('../aws/s3-object-store.js'),
    import('../engine/state-dir.js'),
  ]);
  return openStateStore(config, globals.awsProfile, stateDirFor(globals.stateDir, config.deployment.name));
}
