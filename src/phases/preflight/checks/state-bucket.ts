/**
 * The s3 state backend's bucket (only when state.backend is s3): it exists, is versioned, encrypted by
 * default and blocks all public access; and the caller can do what every run does on the deployment's prefix.
 *
 * Permissions are probed, not simulated: a conditional PutObject (`If-None-Match: *`) of a probe key, a
 * GetObject and a conditional DeleteObject (`If-Match`) — exactly the requests the lock makes. Unlike
 * iam:SimulatePrincipalPolicy (which needs its own IAM permission and leaves out bucket policies, SCPs and
 * session policies) the probe is judged by everything S3 itself evaluates. It leaves a noncurrent version
 * and a delete marker, which the state bucket's lifecycle rule expires.
 */
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { classifyAwsError } from '../../../aws/clients.js';
import type { CheckOutcome, CheckResult, PreflightServices } from '../types.js';

type Base = Pick<CheckResult, 'area' | 'critical'>;
const BASE: Base = { area: 'state', critical: true };

function fail(id: string, current: string, message: string, fix: string): CheckResult {
  return { ...BASE, id, status: 'fail', current, message, fix };
}

function pass(id: string, current: string, message: string): CheckResult {
  return { ...BASE, id, status: 'pass', current, message, fix: '' };
}

async function settings(services: PreflightServices, s3: S3Client, bucket: string): Promise<CheckResult[]> {
  const api = await import('@aws-sdk/client-s3');
  const { aws } = services;
  const init = 'Run: coder-platform state init';
  const results: CheckResult[] = [];
  const versioning = await aws.call(
    's3:GetBucketVersioning',
    () => s3.send(new api.GetBucketVersioningCommand({ Bucket: bucket })),
    `s3://${bucket}`,
  );
  results.push(
    versioning.Status === 'Enabled'
      ? pass('state-bucket-versioning', 'Enabled', `${bucket} keeps every version of the journal`)
      : fail(
          'state-bucket-versioning',
          versioning.Status ?? 'never enabled',
          `${bucket} is not versioned: an overwritten journal could not be restored`,
          init,
        ),
  );
  const enc = await aws
    .call(
      's3:GetEncryptionConfiguration',
      () => s3.send(new api.GetBucketEncryptionCommand({ Bucket: bucket })),
      `s3://${bucket}`,
    )
    .catch(() => undefined);
  const algo = enc?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
  results.push(
    algo === 'aws:kms' || algo === 'AES256' || algo === 'aws:kms:dsse'
      ? pass('state-bucket-encryption', algo, `${bucket} encrypts objects with ${algo}`)
      : fail('state-bucket-encryption', 'none', `${bucket} has no default encryption`, init),
  );
  const pab = await aws
    .call(
      's3:GetBucketPublicAccessBlock',
      () => s3.send(new api.GetPublicAccessBlockCommand({ Bucket: bucket })),
      `s3://${bucket}`,
    )
    .catch((error: unknown) => {
      if (classifyAwsError((error as { cause?: unknown }).cause ?? error) === 'not-found') return undefined;
      throw error;
    });
  const c = pab?.PublicAccessBlockConfiguration;
  const all =
    c?.BlockPublicAcls === true &&
    c.IgnorePublicAcls === true &&
    c.BlockPublicPolicy === true &&
    c.RestrictPublicBuckets === true;
  results.push(
    all
      ? pass('state-bucket-public-access', 'all blocked', `${bucket} blocks all public access`)
      : fail(
          'state-bucket-public-access',
          'not all blocked',
          `${bucket} does not block all four kinds of public access`,
          init,
        ),
  );
  return results;
}

/** Conditional put, get and conditional delete of a probe key under the deployment's prefix. */
async function probe(services: PreflightServices, s3: S3Client, bucket: string, prefix: string): Promise<CheckResult> {
  const api = await import('@aws-sdk/client-s3');
  const { aws } = services;
  const Key = `${prefix}.preflight-probe-${randomBytes(4).toString('hex')}`;
  const where = `s3://${bucket}/${prefix}`;
  const put = await aws.call(
    's3:PutObject',
    () =>
      s3.send(
        new api.PutObjectCommand({ Bucket: bucket, Key, Body: 'coder-platform preflight probe\n', IfNoneMatch: '*' }),
      ),
    where,
  );
  await aws.call('s3:GetObject', () => s3.send(new api.GetObjectCommand({ Bucket: bucket, Key })), where);
  await aws.call(
    's3:DeleteObject',
    () =>
      s3.send(
        new api.DeleteObjectCommand({ Bucket: bucket, Key, ...(put.ETag === undefined ? {} : { IfMatch: put.ETag }) }),
      ),
    where,
  );
  await aws.call(
    's3:ListBucket',
    () => s3.send(new api.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 })),
    `s3://${bucket}`,
  );
  return pass('state-bucket-permissions', 'put, get, delete, list', `conditional writes and deletes work on ${where}`);
}

export async function checkStateBucket(services: PreflightServices): Promise<CheckOutcome> {
  const { config, aws } = services;
  if (config.state.backend !== 's3' || config.state.bucket === undefined) return { results: [] };
  const bucket = config.state.bucket;
  const region = config.state.region ?? config.aws.region;
  const api = await import('@aws-sdk/client-s3');
  const s3 = aws.client(api.S3Client, region);
  try {
    await aws.call('s3:ListBucket', () => s3.send(new api.HeadBucketCommand({ Bucket: bucket })), `s3://${bucket}`);
  } catch (error) {
    if (classifyAwsError((error as { cause?: unknown }).cause ?? error) !== 'not-found') throw error;
    return {
      results: [
        fail(
          'state-bucket',
          'missing',
          `the state bucket ${bucket} does not exist in ${region}`,
          'Run: coder-platform state init',
        ),
      ],
    };
  }
  const results = [
    pass('state-bucket', 'exists', `state bucket ${bucket} in ${region}`),
    ...(await settings(services, s3, bucket)),
  ];
  results.push(await probe(services, s3, bucket, `${config.state.prefix}${config.deployment.name}/`));
  return { results };
}
