/**
 * The S3 emulator behind aws-sdk-client-mock: every S3Client in the process (the real SDK, real command
 * objects) is answered by the emulator, with S3's error names and HTTP status codes.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import type { S3ClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { S3Emulator } from './s3-emulator.js';
import { S3EmulatorError } from './s3-emulator.js';

type S3Mock = AwsStub<ServiceInputTypes, ServiceOutputTypes, S3ClientResolvedConfig>;

function sdkError(error: unknown): unknown {
  if (!(error instanceof S3EmulatorError)) return error;
  return new S3ServiceException({
    name: error.code,
    $fault: error.status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: error.status },
    message: error.message,
  });
}

function body(text: string): { transformToString: () => Promise<string> } {
  return { transformToString: () => Promise.resolve(text) };
}

function wrap<I, O>(fn: (input: I) => O | Promise<O>): (input: I) => Promise<O> {
  return async (input: I) => {
    try {
      return await fn(input);
    } catch (error) {
      throw sdkError(error);
    }
  };
}

function missing(code: string, what: string): S3EmulatorError {
  return new S3EmulatorError(code, 404, `The ${what} does not exist`);
}

/** Install the emulator on every S3Client; returns the mock (reset it in afterEach). */
export function installS3Mock(emulator: S3Emulator): S3Mock {
  const s3 = mockClient(S3Client) as unknown as S3Mock;
  const on = (command: unknown, fn: (input: Record<string, unknown>) => unknown): void => {
    (s3 as unknown as { on: (c: unknown) => { callsFake: (f: (input: Record<string, unknown>) => unknown) => void } })
      .on(command)
      .callsFake(wrap(fn));
  };
  const b = (input: Record<string, unknown>): string => String(input.Bucket);
  on(PutObjectCommand, async (i) => {
    const v = await emulator.putObject(b(i), String(i.Key), String(i.Body ?? ''), {
      ...(i.IfMatch === undefined ? {} : { ifMatch: String(i.IfMatch) }),
      ...(i.IfNoneMatch === undefined ? {} : { ifNoneMatch: String(i.IfNoneMatch) }),
    });
    return { ETag: v.etag, VersionId: v.versionId };
  });
  on(GetObjectCommand, (i) => {
    const v = emulator.getObject(b(i), String(i.Key));
    return { ETag: v.etag, VersionId: v.versionId, Body: body(v.body) };
  });
  on(DeleteObjectCommand, async (i) => {
    await emulator.deleteObject(b(i), String(i.Key), i.IfMatch === undefined ? undefined : String(i.IfMatch));
    return {};
  });
  on(ListObjectsV2Command, (i) => ({
    Contents: emulator.listKeys(b(i), String(i.Prefix ?? '')).map((Key) => ({ Key })),
    IsTruncated: false,
  }));
  on(HeadBucketCommand, (i) => ({ BucketRegion: emulator.bucket(b(i)).region }));
  on(CreateBucketCommand, (i) => {
    const cfg = i.CreateBucketConfiguration as { LocationConstraint?: string } | undefined;
    emulator.createBucket(b(i), cfg?.LocationConstraint ?? 'us-east-1');
    return { Location: `/${b(i)}` };
  });
  on(PutBucketVersioningCommand, (i) => {
    emulator.bucket(b(i)).versioning = (i.VersioningConfiguration as { Status: string }).Status;
    return {};
  });
  on(GetBucketVersioningCommand, (i) => ({ Status: emulator.bucket(b(i)).versioning }));
  on(PutBucketEncryptionCommand, (i) => {
    emulator.bucket(b(i)).encryption = i.ServerSideEncryptionConfiguration;
    return {};
  });
  on(GetBucketEncryptionCommand, (i) => ({ ServerSideEncryptionConfiguration: emulator.bucket(b(i)).encryption }));
  on(PutPublicAccessBlockCommand, (i) => {
    emulator.bucket(b(i)).publicAccessBlock = i.PublicAccessBlockConfiguration;
    return {};
  });
  on(GetPublicAccessBlockCommand, (i) => {
    const cfg = emulator.bucket(b(i)).publicAccessBlock;
    if (cfg === undefined) throw missing('NoSuchPublicAccessBlockConfiguration', 'public access block configuration');
    return { PublicAccessBlockConfiguration: cfg };
  });
  on(PutBucketPolicyCommand, (i) => {
    emulator.bucket(b(i)).policy = String(i.Policy);
    return {};
  });
  on(GetBucketPolicyCommand, (i) => {
    const p = emulator.bucket(b(i)).policy;
    if (p === undefined) throw missing('NoSuchBucketPolicy', 'bucket policy');
    return { Policy: p };
  });
  on(PutBucketLifecycleConfigurationCommand, (i) => {
    emulator.bucket(b(i)).lifecycle = i.LifecycleConfiguration;
    return {};
  });
  on(GetBucketLifecycleConfigurationCommand, (i) => {
    const l = emulator.bucket(b(i)).lifecycle as { Rules?: unknown[] } | undefined;
    if (l === undefined) throw missing('NoSuchLifecycleConfiguration', 'lifecycle configuration');
    return { Rules: l.Rules };
  });
  return s3;
}
