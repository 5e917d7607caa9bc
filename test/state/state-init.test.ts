/**
 * `state init` as an engine phase against the emulated S3 (real SDK, mocked client): every setting the
 * state bucket needs, idempotent on a second run, keeping statements and rules that are not ours.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import {
  LIFECYCLE_RULE_ID,
  stateInitPhase,
  TLS_POLICY_SID,
  type StateBucketServices,
} from '../../src/phases/state/service.js';
import { tempDir } from '../engine/helpers.js';
import { S3Emulator } from './s3-emulator.js';
import { installS3Mock } from './s3-mock.js';

let emulator: S3Emulator;
let mock: ReturnType<typeof installS3Mock>;
beforeEach(() => {
  emulator = new S3Emulator();
  mock = installS3Mock(emulator);
});
afterEach(() => mock.restore());

function services(region = 'eu-west-1', encryption: 'aws:kms' | 'AES256' = 'aws:kms'): StateBucketServices {
  return { s3: new S3Client({ region }), bucket: 'acme-state', region, encryption, noncurrentVersionDays: 90 };
}

describe('state init', () => {
  it('creates a versioned, encrypted, private, TLS-only bucket with a lifecycle rule for old versions', async () => {
    const result = await runPhase(stateInitPhase(), services(), {
      deployment: 'prod',
      stateDir: tempDir('state-init-'),
      command: 'coder-platform state init',
      host: new RecordingHost(),
    });
    expect(result.status).toBe('succeeded');
    const b = emulator.bucket('acme-state');
    expect(b.region).toBe('eu-west-1');
    expect(b.versioning).toBe('Enabled');
    expect(b.encryption).toEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }],
    });
    expect(b.publicAccessBlock).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const policy = JSON.parse(b.policy ?? '{}') as { Statement: Record<string, unknown>[] };
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Sid: TLS_POLICY_SID,
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    expect((b.lifecycle as { Rules: unknown[] }).Rules).toEqual([
      {
        ID: LIFECYCLE_RULE_ID,
        Status: 'Enabled',
        Filter: { Prefix: '' },
        NoncurrentVersionExpiration: { NoncurrentDays: 90 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      },
    ]);
  });

  it('us-east-1 is created without a LocationConstraint; SSE-S3 when asked', async () => {
    await runPhase(stateInitPhase(), services('us-east-1', 'AES256'), {
      deployment: 'prod',
      stateDir: tempDir('state-init-'),
      command: 'c',
      host: new RecordingHost(),
    });
    const create = mock.commandCalls(CreateBucketCommand)[0]?.args[0].input as { CreateBucketConfiguration?: unknown };
    expect(create.CreateBucketConfiguration).toBeUndefined();
    expect(emulator.bucket('acme-state').encryption).toEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }],
    });
  });

  it('a second run changes nothing; a run on a bucket with foreign rules keeps them and adds ours', async () => {
    const dir = tempDir('state-init-');
    await runPhase(stateInitPhase(), services(), {
      deployment: 'prod',
      stateDir: dir,
      command: 'c',
      host: new RecordingHost(),
    });
    const b = emulator.bucket('acme-state');
    b.policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Theirs',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::acme-state/*',
        },
      ],
    });
    b.lifecycle = {
      Rules: [{ ID: 'theirs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } }],
    };
    const again = await runPhase(stateInitPhase(), services(), {
      deployment: 'prod',
      stateDir: dir,
      command: 'c',
      host: new RecordingHost(),
      restart: true,
    });
    expect(again.status).toBe('succeeded');
    const sids = (JSON.parse(b.policy ?? '{}') as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid);
    expect(sids).toEqual(['Theirs', TLS_POLICY_SID]);
    expect((b.lifecycle as { Rules: { ID: string }[] }).Rules.map((r) => r.ID)).toEqual(['theirs', LIFECYCLE_RULE_ID]);
    const puts = mock
      .calls()
      .filter((c) => /Put(BucketVersioning|BucketEncryption|PublicAccessBlock)/.test(c.args[0].constructor.name));
    expect(puts).toHaveLength(3); // only the first run set these: the second found them done
  });
});
