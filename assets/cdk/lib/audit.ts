/**
 * Audit: the account's CloudTrail trail as both design documents list it (management events, every Region,
 * KMS-encrypted log files, log file validation), in an S3 bucket that keeps the files 2,555 days
 * (Standard-IA at 90, Glacier at 365, seed-facts §12). Created only with audit.cloudTrail: create; with
 * `existing`, an organization or multi-Region trail that preflight found already records the account.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { CoderPlatformConfig } from '../../../src/config/schema.js';
import { acknowledge } from './common.js';

export class AccountTrail extends Construct {
  readonly trail: cloudtrail.Trail;
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, config: CoderPlatformConfig) {
    super(scope, id);
    const stack = Stack.of(this);
    const name = config.deployment.name;
    const trailName = `${name}-management-events`;
    const trailArn = stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: trailName });

    this.key = new kms.Key(this, 'Key', {
      alias: `alias/${name}/cloudtrail`,
      description: `${name}: CloudTrail log and digest files`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The key-policy statements CloudTrail needs (CloudTrail user guide, "Configure AWS KMS key policies for
    // CloudTrail"); reading the files is left to IAM policies in the account (the default key policy).
    const cloudTrailPrincipal = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToEncryptLogs',
        principals: [cloudTrailPrincipal],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceArn': trailArn },
          StringLike: {
            'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*`,
          },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToDescribeKey',
        principals: [cloudTrailPrincipal],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceArn': trailArn } },
      }),
    );

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'trail-retention',
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(90) },
            { storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(365) },
          ],
          expiration: Duration.days(2555),
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
    });
    acknowledge(
      this.bucket,
      'AwsSolutions-S1',
      'This bucket receives only CloudTrail log and digest files; the trail itself records every management call on it (CreateBucket, PutBucketPolicy, DeleteBucket…), and server access logs would need another bucket of their own.',
    );
    acknowledge(
      this.bucket,
      'NIST.800.53.R5-S3BucketLoggingEnabled',
      'This bucket receives only CloudTrail log and digest files; the trail itself records every management call on it, and server access logs would need another bucket of their own.',
    );
    acknowledge(
      this.bucket,
      'NIST.800.53.R5-S3DefaultEncryptionKMS',
      'CloudTrail encrypts every log and digest file it delivers with the trail KMS key (SSE-KMS); the bucket default (SSE-S3) applies only to objects written without their own encryption.',
    );
    acknowledge(
      this.bucket,
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'The logs are not replicated to another Region: log file validation (signed digest files) proves their integrity, versioning keeps overwritten or deleted files for 30 days, and the bucket is retained when the deployment is destroyed.',
    );

    this.trail = new cloudtrail.Trail(this, 'Trail', {
      trailName,
      bucket: this.bucket,
      encryptionKey: this.key,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      managementEvents: cloudtrail.ReadWriteType.ALL,
    });
    acknowledge(
      this.trail,
      'NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled',
      'The trail delivers to S3 only; CloudWatch Logs delivery (for metric filters and alarms on API calls) is not part of the design documents and would duplicate every event at ingestion cost.',
    );
  }
}
