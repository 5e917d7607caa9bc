/**
 * Data: the PostgreSQL database coderd uses (Aurora Serverless v2 writer + readers, or RDS PostgreSQL
 * Multi-AZ), encrypted with a customer key, TLS enforced, generated credentials in Secrets Manager, automated
 * backups (≤ 35 days) and an AWS Backup plan for the long retention with an optional cross-Region copy.
 */
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { availabilityZones, type CoderPlatformConfig } from '../../../src/config/schema.js';
import { OUTPUT_KEYS } from '../../../src/deployment/outputs.js';
import { acknowledge, resourceNames } from './common.js';
import type { NetworkStack } from './network-stack.js';

export interface DataStackProps extends StackProps {
  config: CoderPlatformConfig;
  network: NetworkStack;
  /** Name of the DR backup vault (created by DrVaultStack in database.crossRegionCopyRegion) when set. */
  drVaultName?: string;
  /** Secrets Manager name of the master credentials (agreed with the cluster stack's coderd role). */
  secretName: string;
}

export class DataStack extends Stack {
  readonly key: kms.Key;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config, network } = props;
    const db = config.database;
    const name = config.deployment.name;
    const production = config.deployment.environment === 'production';
    const deletionProtection = db.deletionProtection || production;

    this.key = new kms.Key(this, 'DatabaseKey', {
      alias: resourceNames(config).databaseKeyAlias,
      description: `${name}: database storage, credentials and backups`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: network.vpc,
      description: `${name}: PostgreSQL from the cluster only`,
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(network.nodeSecurityGroup, ec2.Port.tcp(5432), 'PostgreSQL from the EKS nodes');

    const subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc: network.vpc,
      description: `${name}: database tier`,
      vpcSubnets: { subnets: (network.subnets.database ?? []).map((s) => s.subnet) },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const credentials = rds.Credentials.fromGeneratedSecret(db.masterUsername, {
      secretName: props.secretName,
      encryptionKey: this.key,
      excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\',
    });
    const parameters = { 'rds.force_ssl': '1', log_connections: '1', log_disconnections: '1' };
    const major = db.engineVersion.split('.')[0] ?? db.engineVersion;
    const azs = availabilityZones(config);

    let engineName: string;
    let clusterIdentifier: string;
    let instanceIdentifier: string;
    let writerEndpoint: string;
    let port: string;
    let secretArn: string;
    let backupResourceArn: string;

    if (db.engine === 'aurora-serverless-v2') {
      const engine = rds.DatabaseClusterEngine.auroraPostgres({
        version: rds.AuroraPostgresEngineVersion.of(db.engineVersion, major),
      });
      const parameterGroup = new rds.ParameterGroup(this, 'ClusterParameters', {
        engine,
        description: `${name}: TLS only, connection logging`,
        parameters,
      });
      // Writer in the first AZ, readers (failover targets only: coderd uses the writer) spread over the others.
      const writerId = `${name}-writer`;
      const cluster = new rds.DatabaseCluster(this, 'Database', {
        engine,
        clusterIdentifier: name,
        credentials,
        defaultDatabaseName: db.databaseName,
        writer: rds.ClusterInstance.serverlessV2('Writer', {
          instanceIdentifier: writerId,
          availabilityZone: azs[0],
          publiclyAccessible: false,
          autoMinorVersionUpgrade: true,
          enablePerformanceInsights: true,
          performanceInsightEncryptionKey: this.key,
        }),
        readers: Array.from({ length: db.readers }, (_, i) =>
          rds.ClusterInstance.serverlessV2(`Reader${i + 1}`, {
            instanceIdentifier: `${name}-reader-${i + 1}`,
            availabilityZone: azs[(i + 1) % azs.length],
            publiclyAccessible: false,
            scaleWithWriter: true,
            autoMinorVersionUpgrade: true,
            enablePerformanceInsights: true,
            performanceInsightEncryptionKey: this.key,
          }),
        ),
        serverlessV2MinCapacity: db.minAcu ?? 0.5,
        serverlessV2MaxCapacity: db.maxAcu ?? 16,
        vpc: network.vpc,
        subnetGroup,
        securityGroups: [this.securityGroup],
        parameterGroup,
        storageEncrypted: true,
        storageEncryptionKey: this.key,
        iamAuthentication: true,
        backup: { retention: Duration.days(db.backupRetentionDays), preferredWindow: '03:00-04:00' },
        cloudwatchLogsExports: ['postgresql'],
        monitoringInterval: Duration.seconds(60),
        deletionProtection,
        copyTagsToSnapshot: true,
        removalPolicy: RemovalPolicy.SNAPSHOT,
      });
      acknowledge(
        cluster,
        'AwsSolutions-RDS14',
        'Backtrack is an Aurora MySQL feature; this is Aurora PostgreSQL, recovered through PITR and AWS Backup.',
      );
      acknowledge(
        cluster,
        'AwsSolutions-RDS11',
        'coderd and its tooling expect PostgreSQL on 5432; the port is reachable only from the node security group.',
      );
      acknowledgeSecretRotation(cluster);
      acknowledge(
        cluster,
        'NIST.800.53.R5-RDSInBackupPlan',
        'Aurora is backed up at the cluster level: the AWS Backup selection names the DB cluster ARN, which covers the writer and every reader.',
      );
      acknowledgeMonitoringRole(cluster);
      engineName = 'aurora-serverless-v2';
      clusterIdentifier = cluster.clusterIdentifier;
      instanceIdentifier = writerId;
      writerEndpoint = cluster.clusterEndpoint.hostname;
      port = cluster.clusterEndpoint.port.toString();
      secretArn = cluster.secret?.secretArn ?? '';
      backupResourceArn = cluster.clusterArn;
    } else {
      const engine = rds.DatabaseInstanceEngine.postgres({
        version: rds.PostgresEngineVersion.of(db.engineVersion, major),
      });
      const parameterGroup = new rds.ParameterGroup(this, 'InstanceParameters', {
        engine,
        description: `${name}: TLS only, connection logging`,
        parameters,
      });
      const instance = new rds.DatabaseInstance(this, 'Database', {
        engine,
        instanceIdentifier: name,
        instanceType: new ec2.InstanceType((db.instanceClass ?? 'db.m7i.large').replace(/^db\./, '')),
        credentials,
        databaseName: db.databaseName,
        multiAz: db.multiAz,
        allocatedStorage: db.allocatedStorageGiB ?? 100,
        storageType: rds.StorageType.GP3,
        storageEncrypted: true,
        storageEncryptionKey: this.key,
        vpc: network.vpc,
        subnetGroup,
        securityGroups: [this.securityGroup],
        parameterGroup,
        publiclyAccessible: false,
        iamAuthentication: true,
        backupRetention: Duration.days(db.backupRetentionDays),
        preferredBackupWindow: '03:00-04:00',
        cloudwatchLogsExports: ['postgresql', 'upgrade'],
        monitoringInterval: Duration.seconds(60),
        enablePerformanceInsights: true,
        performanceInsightEncryptionKey: this.key,
        deletionProtection,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        removalPolicy: RemovalPolicy.SNAPSHOT,
      });
      acknowledge(
        instance,
        'AwsSolutions-RDS11',
        'coderd and its tooling expect PostgreSQL on 5432; the port is reachable only from the node security group.',
      );
      acknowledgeSecretRotation(instance);
      acknowledgeMonitoringRole(instance);
      engineName = 'rds-postgres';
      clusterIdentifier = 'none';
      instanceIdentifier = instance.instanceIdentifier;
      writerEndpoint = instance.dbInstanceEndpointAddress;
      port = instance.dbInstanceEndpointPort;
      secretArn = instance.secret?.secretArn ?? '';
      backupResourceArn = instance.instanceArn;
    }

    // AWS Backup: daily snapshots kept longTermRetentionDays, optionally copied to the DR vault.
    const vault = new backup.BackupVault(this, 'BackupVault', {
      backupVaultName: `${name}-database`,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    let planId = 'disabled';
    if (db.longTermRetentionDays > 0) {
      const drRegion = db.crossRegionCopyRegion;
      const drVaultArn =
        drRegion && props.drVaultName
          ? this.formatArn({
              service: 'backup',
              region: drRegion,
              resource: 'backup-vault',
              resourceName: props.drVaultName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            })
          : undefined;
      const copyActions: backup.BackupPlanCopyActionProps[] = drVaultArn
        ? [
            {
              destinationBackupVault: backup.BackupVault.fromBackupVaultArn(this, 'DrVault', drVaultArn),
              deleteAfter: Duration.days(db.longTermRetentionDays),
            },
          ]
        : [];
      const plan = new backup.BackupPlan(this, 'BackupPlan', {
        backupPlanName: `${name}-database`,
        backupVault: vault,
        backupPlanRules: [
          new backup.BackupPlanRule({
            ruleName: 'daily',
            scheduleExpression: events.Schedule.expression('cron(0 5 * * ? *)'),
            deleteAfter: Duration.days(db.longTermRetentionDays),
            ...(copyActions.length > 0 ? { copyActions } : {}),
          }),
        ],
      });
      const selection = plan.addSelection('Database', {
        resources: [backup.BackupResource.fromArn(backupResourceArn)],
        allowRestores: true,
      });
      acknowledge(
        selection,
        'AwsSolutions-IAM4',
        'AWS Backup needs its AWS-managed service-role policies to snapshot and restore the database; AWS keeps them in step with the supported resource types.',
        [
          'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
          'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores',
        ],
      );
      planId = plan.backupPlanId;
    }

    new CfnOutput(this, OUTPUT_KEYS.data.engine, { value: engineName });
    new CfnOutput(this, OUTPUT_KEYS.data.clusterIdentifier, { value: clusterIdentifier });
    new CfnOutput(this, OUTPUT_KEYS.data.instanceIdentifier, { value: instanceIdentifier });
    new CfnOutput(this, OUTPUT_KEYS.data.writerEndpoint, { value: writerEndpoint });
    new CfnOutput(this, OUTPUT_KEYS.data.port, { value: port });
    new CfnOutput(this, OUTPUT_KEYS.data.secretArn, { value: secretArn });
    new CfnOutput(this, OUTPUT_KEYS.data.subnetGroupName, { value: subnetGroup.subnetGroupName });
    new CfnOutput(this, OUTPUT_KEYS.data.securityGroupId, { value: this.securityGroup.securityGroupId });
    new CfnOutput(this, OUTPUT_KEYS.data.kmsKeyArn, { value: this.key.keyArn });
    new CfnOutput(this, OUTPUT_KEYS.data.backupVaultName, { value: vault.backupVaultName });
    new CfnOutput(this, OUTPUT_KEYS.data.backupPlanId, { value: planId });
  }
}

function acknowledgeSecretRotation(database: Construct): void {
  const reason =
    'No rotation schedule: coderd reads the password from the coder-db-url Kubernetes secret that `coder-platform day1` builds from this secret, so a scheduled rotation would change the password under a running coderd. Rotate by hand: change the master password (RDS / Secrets Manager), then re-run `coder-platform day1` to rewrite coder-db-url and restart coderd.';
  acknowledge(database, 'AwsSolutions-SMG4', reason);
  acknowledge(database, 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason);
}

function acknowledgeMonitoringRole(database: Construct): void {
  acknowledge(
    database,
    'AwsSolutions-IAM4',
    'Enhanced monitoring needs the AWS-managed AmazonRDSEnhancedMonitoringRole (it only writes to the RDSOSMetrics log group).',
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole'],
  );
}

/** The DR vault for cross-Region copies (seed-facts defect 22): a small stack in the DR Region. */
export class DrVaultStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { config: CoderPlatformConfig; vaultName: string }) {
    super(scope, id, props);
    const key = new kms.Key(this, 'DrVaultKey', {
      alias: `alias/${props.config.deployment.name}/backup-dr`,
      description: `${props.config.deployment.name}: cross-Region database backup copies`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const vault = new backup.BackupVault(this, 'DrVault', {
      backupVaultName: props.vaultName,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The fixed name lets the data stack (another Region) build the ARN without a cross-Region reference.
    new CfnOutput(this, 'DrBackupVaultArn', { value: vault.backupVaultArn });
  }
}
