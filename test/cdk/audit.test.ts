/** The account's CloudTrail trail (audit.cloudTrail) as the design documents list it, or none when one exists. */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resolveConfig, resourcesOf, synthesize } from './synth.js';

describe('CloudTrail', () => {
  it('creates a multi-Region trail of all management events, KMS-encrypted, with log file validation', () => {
    const synthesized = synthesize(resolveConfig('mvp-500'));
    const t = synthesized.template('network');
    const [keyId] =
      resourcesOf(synthesized.json('network'), 'AWS::KMS::Key').find(([, p]) =>
        String(p.Description).includes('CloudTrail'),
      ) ?? [];
    expect(keyId).toBeDefined();
    t.hasResourceProperties('AWS::CloudTrail::Trail', {
      TrailName: 'coder-management-events',
      IsLogging: true,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      KMSKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'All' }],
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:GenerateDataKey*',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Condition: {
              StringEquals: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':cloudtrail:us-east-1:111111111111:trail/coder-management-events',
                    ],
                  ],
                },
              },
              StringLike: {
                'kms:EncryptionContext:aws:cloudtrail:arn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:*:111111111111:trail/*']],
                },
              },
            },
          }),
          Match.objectLike({ Action: 'kms:DescribeKey', Principal: { Service: 'cloudtrail.amazonaws.com' } }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            ExpirationInDays: 2555,
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 90 },
              { StorageClass: 'GLACIER', TransitionInDays: 365 },
            ],
          }),
        ],
      },
    });
    t.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  it('creates none when audit.cloudTrail is existing (an organization or multi-Region trail covers the account)', () => {
    const t = synthesize(resolveConfig('mvp-500', 'audit:\n  cloudTrail: existing\n')).template('network');
    t.resourceCountIs('AWS::CloudTrail::Trail', 0);
    t.resourceCountIs('AWS::S3::Bucket', 0);
  });
});
