/**
 * What the engine needs from a shared state store (the S3 backend, src/aws/s3-object-store.ts): objects
 * under one deployment's prefix, read with their ETag, written and deleted under S3's preconditions.
 * The engine never imports an adapter; the phase's caller hands it a store (ExecutePhaseOptions.remote).
 */

/** An object's text and its current ETag. */
export interface StoredObject {
  body: string;
  etag: string;
}

/** A write's precondition: `ifNoneMatch: '*'` creates only; `ifMatch` replaces (or deletes) only that version. */
export interface WriteCondition {
  ifMatch?: string;
  ifNoneMatch?: '*';
}

/**
 * The store refused a conditional request: 412 PreconditionFailed (the condition is false) or 409
 * ConditionalRequestConflict (another conditional write on the key was in flight; re-read and retry).
 */
export class PreconditionError extends Error {
  constructor(
    readonly status: 412 | 409,
    readonly key: string,
  ) {
    super(`${status === 412 ? 'PreconditionFailed' : 'ConditionalRequestConflict'} on ${key}`);
    this.name = 'PreconditionError';
  }
}

export interface ObjectStore {
  /** Where the deployment's state lives, for messages: `s3://bucket/prefix/deployment/`. */
  readonly location: string;
  /** Read an object; undefined when it does not exist. Keys are relative to the deployment's prefix. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Write an object; resolves with its new ETag; throws PreconditionError when the condition fails. */
  put(key: string, body: string, condition?: WriteCondition): Promise<string>;
  /** Delete an object (only that version with ifMatch); throws PreconditionError when the ETag differs. */
  delete(key: string, condition?: { ifMatch?: string }): Promise<void>;
  /** Every key under the deployment's prefix (relative). */
  list(): Promise<string[]>;
}
