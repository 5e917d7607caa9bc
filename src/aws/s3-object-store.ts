/**
 * The s3 state backend's store: one deployment's objects under `s3://<bucket>/<prefix><deployment>/`,
 * read with their ETags and written with S3's conditional requests — PutObject `If-None-Match: *`
 * (create only) and `If-Match: <etag>` (replace only that version), DeleteObject `If-Match` (supported on
 * general purpose buckets; it needs s3:GetObject as well as s3:DeleteObject). S3 answers a false condition
 * with 412 PreconditionFailed and a conditional write that raced another one with 409
 * ConditionalRequestConflict; both become the engine's PreconditionError.
 *
 * Endpoints: the SDK's own AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL settings apply (an S3-compatible
 * endpoint needs path-style addressing, which CODER_PLATFORM_STATE_PATH_STYLE=true turns on).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { CoderPlatformConfig } from '../config/schema.js';
import { PreconditionError, type ObjectStore, type StoredObject, type WriteCondition } from '../engine/object-store.js';
import { pullState } from '../engine/remote-state.js';
import { awsCall, createAwsClient } from './clients.js';

export interface S3StateLocation {
  bucket: string;
  /** Ends with `/`: `<prefix><deployment>/`. */
  keyPrefix: string;
  region: string;
}

/** Where a deployment's state lives with the s3 backend; undefined with the local backend. */
export function s3StateLocation(
  config: Pick<CoderPlatformConfig, 'state' | 'aws' | 'deployment'>,
): S3StateLocation | undefined {
  if (config.state.backend !== 's3' || config.state.bucket === undefined) return undefined;
  return {
    bucket: config.state.bucket,
    keyPrefix: `${config.state.prefix}${config.deployment.name}/`,
    region: config.state.region ?? config.aws.region,
  };
}

/** The S3 client for the state bucket, from the one client factory. */
export async function createStateS3Client(
  region: string,
  profile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<S3Client> {
  const { S3Client: Client } = await import('@aws-sdk/client-s3');
  const pathStyle = /^(true|1)$/i.test(env.CODER_PLATFORM_STATE_PATH_STYLE ?? '');
  return createAwsClient(Client, { region, profile, ...(pathStyle ? { extra: { forcePathStyle: true } } : {}) });
}

function conditionFailure(error: unknown, key: string): PreconditionError | undefined {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412) return new PreconditionError(412, key);
  if (e?.name === 'ConditionalRequestConflict' || e?.$metadata?.httpStatusCode === 409)
    return new PreconditionError(409, key);
  return undefined;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

export class S3ObjectStore implements ObjectStore {
  readonly location: string;
  constructor(
    private readonly client: S3Client,
    private readonly where: S3StateLocation,
  ) {
    this.location = `s3://${where.bucket}/${where.keyPrefix}`;
  }

  private key(rel: string): string {
    return `${this.where.keyPrefix}${rel}`;
  }

  async get(rel: string): Promise<StoredObject | undefined> {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.where.bucket, Key: this.key(rel) }));
      return { body: (await out.Body?.transformToString('utf8')) ?? '', etag: out.ETag ?? '' };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      return awsCall('s3:GetObject', () => Promise.reject(error), this.location + rel);
    }
  }

  async put(rel: string, body: string, condition: WriteCondition = {}): Promise<string> {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const input = {
      Bucket: this.where.bucket,
      Key: this.key(rel),
      Body: body,
      ContentType: rel.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8',
      ...(condition.ifMatch === undefined ? {} : { IfMatch: condition.ifMatch }),
      ...(condition.ifNoneMatch === undefined ? {} : { IfNoneMatch: condition.ifNoneMatch }),
    };
    try {
      const out = await this.client.send(new PutObjectCommand(input));
      return out.ETag ?? '';
    } catch (error) {
      const failed = conditionFailure(error, rel);
      if (failed !== undefined) throw failed;
      // If-Match on a key with no current version: S3 answers 404 NoSuchKey; for us the ETag is just stale.
      if (condition.ifMatch !== undefined && isNotFound(error)) throw new PreconditionError(412, rel);
      return awsCall('s3:PutObject', () => Promise.reject(error), this.location + rel);
    }
  }

  async delete(rel: string, condition: { ifMatch?: string } = {}): Promise<void> {
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      await this.client.send(
        new DeleteObjectCommand({
          Bucket: this.where.bucket,
          Key: this.key(rel),
          ...(condition.ifMatch === undefined ? {} : { IfMatch: condition.ifMatch }),
        }),
      );
    } catch (error) {
      const failed = conditionFailure(error, rel);
      if (failed !== undefined) throw failed;
      if (isNotFound(error)) throw new PreconditionError(412, rel);
      await awsCall('s3:DeleteObject', () => Promise.reject(error), this.location + rel);
    }
  }

  async list(): Promise<string[]> {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await awsCall(
        's3:ListBucket',
        () =>
          this.client.send(
            new ListObjectsV2Command({
              Bucket: this.where.bucket,
              Prefix: this.where.keyPrefix,
              ...(token === undefined ? {} : { ContinuationToken: token }),
            }),
          ),
        `s3://${this.where.bucket}`,
      );
      for (const o of out.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key.slice(this.where.keyPrefix.length));
      token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
  }
}

/** The store, with its journal and files pulled into `stateDir` (before anything reads them); undefined: local. */
export async function openStateStore(
  config: Pick<CoderPlatformConfig, 'state' | 'aws' | 'deployment'>,
  awsProfile: string | undefined,
  stateDir: string,
): Promise<S3ObjectStore | undefined> {
  const store = await stateStoreFor(config, awsProfile);
  if (store !== undefined) await pullState(store, stateDir);
  return store;
}

/** The store of a deployment's shared state, or undefined with the local backend. */
export async function stateStoreFor(
  config: Pick<CoderPlatformConfig, 'state' | 'aws' | 'deployment'>,
  awsProfile: string | undefined,
): Promise<S3ObjectStore | undefined> {
  const where = s3StateLocation(config);
  if (where === undefined) return undefined;
  return new S3ObjectStore(
    await createStateS3Client(where.region, awsProfile ?? config.aws.profile ?? undefined),
    where,
  );
}
