/**
 * The steps that make the state bucket what the s3 backend needs: created in its region, versioned,
 * encrypted at rest (SSE-KMS with the aws/s3 managed key and an S3 Bucket Key, or SSE-S3), all public
 * access blocked, a bucket policy that denies any request not made over TLS, and a lifecycle rule that
 * expires old versions and aborts incomplete multipart uploads. Every step probes the bucket first, so the
 * phase is idempotent and resumable; existing policy statements and lifecycle rules are kept (ours are
 * replaced by Sid / ID).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { awsCall, classifyAwsError } from '../../aws/clients.js';
import { UserError } from '../../errors.js';
import type { Step, StepOutputs } from '../../engine/types.js';

export interface StateBucketServices {
  s3: S3Client;
  bucket: string;
  region: string;
  encryption: 'aws:kms' | 'AES256';
  noncurrentVersionDays: number;
}

export const TLS_POLICY_SID = 'CoderPlatformStateDenyInsecureTransport';
export const LIFECYCLE_RULE_ID = 'coder-platform-state-old-versions';
export const ABORT_MULTIPART_DAYS = 7;

type S = StateBucketServices;

function absent(error: unknown): boolean {
  return classifyAwsError(error) === 'not-found';
}

/** The TLS-only statement for a bucket. */
export function tlsOnlyStatement(bucket: string): Record<string, unknown> {
  return {
    Sid: TLS_POLICY_SID,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

async function currentPolicy(s: S): Promise<{ Version?: string; Statement?: Record<string, unknown>[] } | undefined> {
  const { GetBucketPolicyCommand } = await import('@aws-sdk/client-s3');
  try {
    const out = await s.s3.send(new GetBucketPolicyCommand({ Bucket: s.bucket }));
    return JSON.parse(out.Policy ?? '{}') as { Version?: string; Statement?: Record<string, unknown>[] };
  } catch (error) {
    if (absent(error) || (error as { name?: string }).name === 'NoSuchBucketPolicy') return undefined;
    throw error;
  }
}

async function currentRules(s: S): Promise<Record<string, unknown>[]> {
  const { GetBucketLifecycleConfigurationCommand } = await import('@aws-sdk/client-s3');
  try {
    const out = await s.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: s.bucket }));
    return (out.Rules ?? []) as unknown as Record<string, unknown>[];
  } catch (error) {
    if (absent(error) || (error as { name?: string }).name === 'NoSuchLifecycleConfiguration') return [];
    throw error;
  }
}

function ourRule(s: S): Record<string, unknown> {
  return {
    ID: LIFECYCLE_RULE_ID,
    Status: 'Enabled',
    Filter: { Prefix: '' },
    NoncurrentVersionExpiration: { NoncurrentDays: s.noncurrentVersionDays },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_MULTIPART_DAYS },
  };
}

const createBucket: Step<S> = {
  id: 'create-bucket',
  title: 'Create the state bucket',
  isDone: async ({ services: s }) => {
    const { HeadBucketCommand } = await import('@aws-sdk/client-s3');
    try {
      await s.s3.send(new HeadBucketCommand({ Bucket: s.bucket }));
      return { bucket: s.bucket, region: s.region };
    } catch (error) {
      if (absent(error)) return undefined;
      throw awsCall('s3:ListBucket', () => Promise.reject(error), `s3://${s.bucket}`);
    }
  },
  run: async ({ services: s }) => {
    const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
    try {
      // us-east-1 takes no LocationConstraint; every other region needs its own.
      await s.s3.send(
        new CreateBucketCommand({
          Bucket: s.bucket,
          ObjectOwnership: 'BucketOwnerEnforced',
          ...(s.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: s.region as never } }),
        }),
      );
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'BucketAlreadyExists') {
        throw new UserError(
          `The bucket name "${s.bucket}" is taken by another AWS account (bucket names are global).`,
          {
            nextSteps: [
              'Choose another name in state.bucket (or --state-bucket), e.g. <company>-coder-platform-state.',
            ],
          },
        );
      }
      if (name !== 'BucketAlreadyOwnedByYou')
        await awsCall('s3:CreateBucket', () => Promise.reject(error), `s3://${s.bucket}`);
    }
    return { bucket: s.bucket, region: s.region };
  },
};

const versioning: Step<S> = {
  id: 'versioning',
  title: 'Turn on versioning',
  dependsOn: ['create-bucket'],
  isDone: async ({ services: s }) => {
    const { GetBucketVersioningCommand } = await import('@aws-sdk/client-s3');
    const out = await awsCall(
      's3:GetBucketVersioning',
      () => s.s3.send(new GetBucketVersioningCommand({ Bucket: s.bucket })),
      `s3://${s.bucket}`,
    );
    return out.Status === 'Enabled' ? { versioning: 'Enabled' } : undefined;
  },
  run: async ({ services: s }) => {
    const { PutBucketVersioningCommand } = await import('@aws-sdk/client-s3');
    await awsCall(
      's3:PutBucketVersioning',
      () =>
        s.s3.send(new PutBucketVersioningCommand({ Bucket: s.bucket, VersioningConfiguration: { Status: 'Enabled' } })),
      `s3://${s.bucket}`,
    );
    return { versioning: 'Enabled' };
  },
};

const encryption: Step<S> = {
  id: 'encryption',
  title: 'Encrypt objects at rest',
  dependsOn: ['create-bucket'],
  isDone: async ({ services: s }) => {
    const { GetBucketEncryptionCommand } = await import('@aws-sdk/client-s3');
    const out = await awsCall(
      's3:GetEncryptionConfiguration',
      () => s.s3.send(new GetBucketEncryptionCommand({ Bucket: s.bucket })),
      `s3://${s.bucket}`,
    ).catch(() => undefined);
    const algo = out?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
    return algo === s.encryption ? { encryption: algo } : undefined;
  },
  run: async ({ services: s }) => {
    const { PutBucketEncryptionCommand } = await import('@aws-sdk/client-s3');
    // aws:kms without a key id uses the aws/s3 managed key; the Bucket Key cuts KMS requests.
    const rule = {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: s.encryption },
      BucketKeyEnabled: s.encryption === 'aws:kms',
    };
    await awsCall(
      's3:PutEncryptionConfiguration',
      () =>
        s.s3.send(
          new PutBucketEncryptionCommand({ Bucket: s.bucket, ServerSideEncryptionConfiguration: { Rules: [rule] } }),
        ),
      `s3://${s.bucket}`,
    );
    return { encryption: s.encryption };
  },
};

const ALL_BLOCKED = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

const publicAccess: Step<S> = {
  id: 'block-public-access',
  title: 'Block all public access',
  dependsOn: ['create-bucket'],
  isDone: async ({ services: s }) => {
    const { GetPublicAccessBlockCommand } = await import('@aws-sdk/client-s3');
    const out = await s.s3.send(new GetPublicAccessBlockCommand({ Bucket: s.bucket })).catch((error: unknown) => {
      if (absent(error) || (error as { name?: string }).name === 'NoSuchPublicAccessBlockConfiguration')
        return undefined;
      throw error;
    });
    const c = out?.PublicAccessBlockConfiguration;
    return c && c.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets
      ? { publicAccess: 'blocked' }
      : undefined;
  },
  run: async ({ services: s }) => {
    const { PutPublicAccessBlockCommand } = await import('@aws-sdk/client-s3');
    await awsCall(
      's3:PutBucketPublicAccessBlock',
      () =>
        s.s3.send(new PutPublicAccessBlockCommand({ Bucket: s.bucket, PublicAccessBlockConfiguration: ALL_BLOCKED })),
      `s3://${s.bucket}`,
    );
    return { publicAccess: 'blocked' };
  },
};

const tlsOnly: Step<S> = {
  id: 'tls-only-policy',
  title: 'Deny requests that do not use TLS',
  dependsOn: ['block-public-access'],
  isDone: async ({ services: s }) => {
    const policy = await currentPolicy(s);
    const ours = policy?.Statement?.find((st) => st.Sid === TLS_POLICY_SID);
    return ours !== undefined && JSON.stringify(ours) === JSON.stringify(tlsOnlyStatement(s.bucket))
      ? { policy: TLS_POLICY_SID }
      : undefined;
  },
  run: async ({ services: s }) => {
    const { PutBucketPolicyCommand } = await import('@aws-sdk/client-s3');
    const policy = (await currentPolicy(s)) ?? {};
    const statements = (policy.Statement ?? []).filter((st) => st.Sid !== TLS_POLICY_SID);
    const doc = { Version: '2012-10-17', Statement: [...statements, tlsOnlyStatement(s.bucket)] };
    await awsCall(
      's3:PutBucketPolicy',
      () => s.s3.send(new PutBucketPolicyCommand({ Bucket: s.bucket, Policy: JSON.stringify(doc) })),
      `s3://${s.bucket}`,
    );
    return { policy: TLS_POLICY_SID };
  },
};

const lifecycle: Step<S> = {
  id: 'lifecycle',
  title: 'Expire old versions and abort incomplete uploads',
  dependsOn: ['versioning'],
  isDone: async ({ services: s }) => {
    const ours = (await currentRules(s)).find((r) => r.ID === LIFECYCLE_RULE_ID);
    return ours !== undefined && JSON.stringify(ours) === JSON.stringify(ourRule(s))
      ? { noncurrentVersionDays: s.noncurrentVersionDays }
      : undefined;
  },
  run: async ({ services: s }) => {
    const { PutBucketLifecycleConfigurationCommand } = await import('@aws-sdk/client-s3');
    const rules = [...(await currentRules(s)).filter((r) => r.ID !== LIFECYCLE_RULE_ID), ourRule(s)];
    await awsCall(
      's3:PutLifecycleConfiguration',
      () =>
        s.s3.send(
          new PutBucketLifecycleConfigurationCommand({
            Bucket: s.bucket,
            LifecycleConfiguration: { Rules: rules as never },
          }),
        ),
      `s3://${s.bucket}`,
    );
    return { noncurrentVersionDays: s.noncurrentVersionDays } satisfies StepOutputs;
  },
};

export const STATE_BUCKET_STEPS: Step<S>[] = [createBucket, versioning, encryption, publicAccess, tlsOnly, lifecycle];
