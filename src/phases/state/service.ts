/**
 * `state init` and `state migrate`: the state bucket of the s3 backend, and moving a local state into it.
 *
 * `state init` is an engine phase (resumable, idempotent) whose own journal and lock stay local, in
 * `<state dir>/bootstrap/`: the bucket cannot hold the state of its own creation (Terraform teams bootstrap
 * their state bucket the same way). `state migrate` uploads an existing local state once, under the S3 lock,
 * and refuses when the bucket already holds a journal.
 */
import { join } from 'node:path';
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { Phase } from '../../engine/types.js';
import { UserError } from '../../errors.js';
import { STATE_BUCKET_STEPS, type StateBucketServices } from './bucket-steps.js';

export { TLS_POLICY_SID, LIFECYCLE_RULE_ID, type StateBucketServices } from './bucket-steps.js';

export const STATE_INIT_PHASE = 'state-init';
/** Where `state init` keeps its own journal and lock, under the deployment's state directory. */
export const BOOTSTRAP_DIR = 'bootstrap';

export function stateInitPhase(): Phase<StateBucketServices> {
  return { name: STATE_INIT_PHASE, version: 1, steps: STATE_BUCKET_STEPS };
}

export function bootstrapStateDir(stateDir: string): string {
  return join(stateDir, BOOTSTRAP_DIR);
}

/** The bucket settings of the config; a UserError (exit 2) naming the key when no bucket is set. */
export function stateBucketSettings(
  config: Pick<CoderPlatformConfig, 'state' | 'aws'>,
): Omit<StateBucketServices, 's3'> {
  if (config.state.bucket === undefined) {
    throw new UserError('state init needs a bucket name: state.bucket is not set.', {
      nextSteps: [
        'Set it in coder-platform.yaml (state:\\n  backend: s3\\n  bucket: acme-coder-platform-state) ' +
          'or pass --state-bucket NAME (CODER_PLATFORM_STATE_BUCKET).',
      ],
    });
  }
  return {
    bucket: config.state.bucket,
    region: config.state.region ?? config.aws.region,
    encryption: config.state.encryption,
    noncurrentVersionDays: config.state.noncurrentVersionDays,
  };
}

/** Services of the state-init phase: the S3 client of the bucket's region. */
export async function createStateInitServices(
  config: Pick<CoderPlatformConfig, 'state' | 'aws'>,
  awsProfile: string | undefined,
): Promise<StateBucketServices> {
  const settings = stateBucketSettings(config);
  const { createStateS3Client } = await import('../../aws/s3-object-store.js');
  return { ...settings, s3: await createStateS3Client(settings.region, awsProfile ?? config.aws.profile ?? undefined) };
}

export interface StateMigrateResult {
  location: string;
  journal: boolean;
  files: number;
}

/** Upload the local state directory to the bucket once, under the S3 lock. */
export async function migrateState(o: {
  config: CoderPlatformConfig;
  stateDir: string;
  awsProfile: string | undefined;
  command: string;
}): Promise<StateMigrateResult> {
  const { stateStoreFor } = await import('../../aws/s3-object-store.js');
  const store = await stateStoreFor({ ...o.config, state: { ...o.config.state, backend: 's3' } }, o.awsProfile);
  if (store === undefined)
    throw new UserError('state migrate needs a bucket: state.bucket is not set.', {
      nextSteps: ['Set state.bucket or pass --state-bucket NAME.'],
    });
  const { acquireRemoteLock } = await import('../../engine/remote-lock.js');
  const { migrateLocalState } = await import('../../engine/remote-state.js');
  const lock = await acquireRemoteLock({ store, deployment: o.config.deployment.name, command: o.command });
  try {
    const moved = await migrateLocalState(store, o.stateDir);
    return { location: store.location, ...moved };
  } finally {
    await lock.release();
  }
}
