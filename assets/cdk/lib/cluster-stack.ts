/**
 * Cluster: EKS (aws-eks-v2, no Auto Mode) with KMS envelope encryption, all control-plane logs, the managed
 * node groups of the profile (taints and labels declared on the group, IMDSv2 and encrypted gp3 through
 * launch templates), the EKS add-ons, and least-privilege pod-identity roles.
 */
import { ArnFormat, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eksL1 from 'aws-cdk-lib/aws-eks';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { NAMESPACES } from '../../../src/config/profiles.js';
import type { CoderPlatformConfig, NodeGroupConfig } from '../../../src/config/schema.js';
import { endpointExposure } from '../../../src/config/endpoint-access.js';
import { OUTPUT_KEYS, formatPairs, secretNames } from '../../../src/deployment/outputs.js';
import { acknowledge, attachPolicy, DEPLOYMENT_TAG, nodeTiers, resourceNames, workspaceIamPath } from './common.js';
import type { NetworkStack } from './network-stack.js';

export interface ClusterStackProps extends StackProps {
  config: CoderPlatformConfig;
  network: NetworkStack;
  adminPrincipalArn?: string;
}

/** Kubernetes service accounts the pod-identity roles are bound to. */
export const SERVICE_ACCOUNTS = {
  coderd: { namespace: NAMESPACES.coder, name: 'coder' },
  provisioner: { namespace: NAMESPACES.provisioners, name: 'coder-provisioner' },
  ebsCsi: { namespace: 'kube-system', name: 'ebs-csi-controller-sa' },
  loadBalancerController: { namespace: 'kube-system', name: 'aws-load-balancer-controller' },
  clusterAutoscaler: { namespace: 'kube-system', name: 'cluster-autoscaler' },
} as const;

const TAINT_EFFECT: Record<NodeGroupConfig['taints'][number]['effect'], eks.TaintEffect> = {
  NoSchedule: eks.TaintEffect.NO_SCHEDULE,
  PreferNoSchedule: eks.TaintEffect.PREFER_NO_SCHEDULE,
  NoExecute: eks.TaintEffect.NO_EXECUTE,
};

export class ClusterStack extends Stack {
  readonly cluster: eks.Cluster;
  /** config node-group name → EKS node group. */
  readonly nodegroups: Record<string, eks.Nodegroup> = {};
  readonly clusterName: string;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, props);
    const { config, network } = props;
    const names = resourceNames(config);
    this.clusterName = names.cluster;
    const nodeSubnets = nodeTiers(config).flatMap((tier) => (network.subnets[tier] ?? []).map((s) => s.subnet));

    const secretsKey = new kms.Key(this, 'SecretsKey', {
      alias: `alias/${config.deployment.name}/eks-secrets`,
      description: `${config.deployment.name}: EKS secrets envelope encryption`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Private access is always on; the public endpoint only from the configured CIDRs (no world-open default).
    const exposure = endpointExposure(config);
    const endpointAccess =
      exposure.kind === 'private'
        ? eks.EndpointAccess.PRIVATE
        : eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...exposure.cidrs);

    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName: names.cluster,
      version: eks.KubernetesVersion.of(config.cluster.kubernetesVersion),
      vpc: network.vpc,
      vpcSubnets: [{ subnets: nodeSubnets }],
      securityGroup: network.nodeSecurityGroup,
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      secretsEncryptionKey: secretsKey,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
      endpointAccess,
    });
    acknowledge(
      this.cluster,
      'CloudFormation-Validate::W9009',
      'aws-eks-v2 renders EncryptionConfig.Resources: ["secrets"] itself; EKS still requires it for envelope encryption of Kubernetes secrets.',
    );
    acknowledge(
      this.cluster,
      'AwsSolutions-IAM4',
      'The EKS service role needs the AWS-managed AmazonEKSClusterPolicy; EKS documents no narrower policy.',
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy'],
    );
    if (exposure.kind === 'limited') {
      acknowledge(
        this.cluster,
        'AwsSolutions-EKS1',
        `The public API endpoint accepts only ${exposure.cidrs.join(', ')} (cluster.endpointAccess.publicCidrs, given by the operator) so day1 can run helm and kubectl from there; private access is on for nodes. mode: private closes it.`,
      );
    } else if (exposure.kind === 'world') {
      acknowledge(
        this.cluster,
        'AwsSolutions-EKS1',
        `The public API endpoint is open to every address (${exposure.cidrs.join(', ')}) because the operator chose it in cluster.endpointAccess.publicCidrs; preflight and plan warn about it.`,
      );
    }

    // Node role shared by every group.
    const nodeRole = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: ['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonEKS_CNI_Policy'].map(
        (p) => iam.ManagedPolicy.fromAwsManagedPolicyName(p),
      ),
      description: `${config.deployment.name}: EKS nodes`,
    });
    acknowledge(
      nodeRole,
      'AwsSolutions-IAM4',
      'EKS managed nodes require the AWS-managed worker, ECR read-only and VPC CNI policies (EKS node IAM role documentation).',
      [
        'Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy',
        'Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
        'Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKS_CNI_Policy',
      ],
    );

    const controlGroup = Object.entries(config.cluster.nodeGroups).find(([, g]) => g.role === 'control');
    const controlTaints = controlGroup?.[1].taints ?? [];

    for (const [groupName, group] of Object.entries(config.cluster.nodeGroups)) {
      const launchTemplate = new ec2.CfnLaunchTemplate(this, `LaunchTemplate-${groupName}`, {
        launchTemplateName: `${config.deployment.name}-${groupName}`,
        launchTemplateData: {
          metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' },
          blockDeviceMappings: [
            {
              deviceName: '/dev/xvda',
              ebs: { volumeSize: group.rootVolumeGiB, volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
            },
          ],
          securityGroupIds: [network.nodeSecurityGroup.securityGroupId],
          tagSpecifications: [
            {
              resourceType: 'instance',
              tags: [
                { key: 'Name', value: `${config.deployment.name}-${groupName}` },
                { key: DEPLOYMENT_TAG, value: config.deployment.name },
              ],
            },
            { resourceType: 'volume', tags: [{ key: DEPLOYMENT_TAG, value: config.deployment.name }] },
          ],
        },
      });
      const subnets = (network.subnets[group.subnetTier] ?? []).map((s) => s.subnet);
      const maxUnavailable =
        typeof group.maxUnavailable === 'string'
          ? { maxUnavailablePercentage: Number.parseInt(group.maxUnavailable, 10) }
          : { maxUnavailable: group.maxUnavailable };
      this.nodegroups[groupName] = new eks.Nodegroup(this, `Nodegroup-${groupName}`, {
        cluster: this.cluster,
        nodegroupName: groupName,
        nodeRole,
        amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
        instanceTypes: group.instanceTypes.map((t) => new ec2.InstanceType(t)),
        capacityType: group.capacityType === 'SPOT' ? eks.CapacityType.SPOT : eks.CapacityType.ON_DEMAND,
        minSize: group.minSize,
        desiredSize: group.desiredSize,
        maxSize: group.maxSize,
        labels: group.labels,
        taints: group.taints.map((t) => ({ key: t.key, value: t.value, effect: TAINT_EFFECT[t.effect] })),
        subnets: { subnets },
        launchTemplateSpec: { id: launchTemplate.ref, version: launchTemplate.attrLatestVersionNumber },
        ...maxUnavailable,
        // No cluster-autoscaler tags here: node-group tags never reach the Auto Scaling group
        // (aws/containers-roadmap#608), and EKS itself tags every managed group's ASG for auto-discovery.
      });
    }

    // Pod identity roles.
    const podRole = (id: string, description: string) =>
      new iam.Role(this, id, {
        assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
        description: `${config.deployment.name}: ${description}`,
      });
    const associate = (id: string, role: iam.Role, sa: { namespace: string; name: string }) =>
      new eksL1.CfnPodIdentityAssociation(this, id, {
        clusterName: this.cluster.clusterName,
        namespace: sa.namespace,
        serviceAccount: sa.name,
        roleArn: role.roleArn,
      });

    // coderd: its database credentials and the CLI-owned secrets; IAM database authentication as the master user.
    const coderdRoleStatements: iam.PolicyStatement[] = [];
    const coderdRole = podRole('CoderdRole', 'coderd (Secrets Manager, RDS IAM auth)');
    const secretArn = (nameOrPrefix: string) =>
      this.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: nameOrPrefix,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const cliSecretPrefix = secretNames(config.deployment.name).adminPassword.replace(/admin-password$/, '');
    coderdRoleStatements.push(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [secretArn(`${names.dbSecret}-??????`), secretArn(`${cliSecretPrefix}*`)],
      }),
    );
    // The master secret is encrypted with the data stack's key, deployed concurrently: named by its alias, not its ARN.
    const keysOfRegion = this.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
    coderdRoleStatements.push(
      new iam.PolicyStatement({
        sid: 'DecryptDatabaseSecret',
        actions: ['kms:Decrypt'],
        resources: [keysOfRegion],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': names.databaseKeyAlias },
        },
      }),
    );
    const dbUserArn = this.formatArn({
      service: 'rds-db',
      resource: 'dbuser',
      resourceName: `*/${config.database.masterUsername}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    coderdRoleStatements.push(new iam.PolicyStatement({ actions: ['rds-db:connect'], resources: [dbUserArn] }));
    attachPolicy(coderdRole, coderdRoleStatements);
    acknowledge(
      coderdRole,
      'AwsSolutions-IAM5',
      'Secrets Manager appends a random 6-character suffix to secret ARNs; the CLI-owned secrets share the <name>/coder/ prefix; the database resource id is unknown until the concurrently deployed data stack exists, so the user name scopes rds-db:connect; kms:Decrypt is limited to the database key (by its alias, the key is in the concurrently deployed data stack) and to calls via Secrets Manager.',
      [
        `Resource::arn:<AWS::Partition>:secretsmanager:${this.region}:${this.account}:secret:${names.dbSecret}-??????`,
        `Resource::arn:<AWS::Partition>:secretsmanager:${this.region}:${this.account}:secret:${cliSecretPrefix}*`,
        `Resource::arn:<AWS::Partition>:rds-db:${this.region}:${this.account}:dbuser:*/${config.database.masterUsername}`,
        `Resource::arn:<AWS::Partition>:kms:${this.region}:${this.account}:key/*`,
      ],
    );
    associate('CoderdPodIdentity', coderdRole, SERVICE_ACCOUNTS.coderd);

    // EC2 workspace instances: an instance role the provisioners may pass, and nothing else.
    const workspaceInstanceRole = new iam.Role(this, 'WorkspaceInstanceRole', {
      roleName: names.workspaceInstanceRole,
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `${config.deployment.name}: EC2 workspace instances (no permissions by default)`,
    });
    new iam.CfnInstanceProfile(this, 'WorkspaceInstanceProfile', {
      instanceProfileName: names.workspaceInstanceRole,
      roles: [workspaceInstanceRole.roleName],
    });

    // Provisioners: what the EC2 templates (assets/templates/shared/ec2) create — instances, security groups, EBS
    // volumes and attachments, an instance role and profile — only with the deployment tag, roles only under the
    // deployment's IAM path.
    const provisionerRoleStatements: iam.PolicyStatement[] = [];
    const provisionerRole = podRole('ProvisionerRole', 'Coder provisioners (EC2 workspaces)');
    const ec2Arn = (resource: string) => this.formatArn({ service: 'ec2', resource, resourceName: '*' });
    const tagged = { StringEquals: { [`aws:RequestTag/${DEPLOYMENT_TAG}`]: config.deployment.name } };
    const owned = { StringEquals: { [`aws:ResourceTag/${DEPLOYMENT_TAG}`]: config.deployment.name } };
    const iamPath = workspaceIamPath(config.deployment.name);
    const workspaceRoles = `arn:${this.partition}:iam::${this.account}:role${iamPath}*`;
    const workspaceProfiles = `arn:${this.partition}:iam::${this.account}:instance-profile${iamPath}*`;
    const vpcArn = this.formatArn({ service: 'ec2', resource: 'vpc', resourceName: network.vpc.vpcId });
    provisionerRoleStatements.push(
      new iam.PolicyStatement({
        sid: 'CreateTagged',
        actions: ['ec2:RunInstances', 'ec2:CreateVolume', 'ec2:CreateSecurityGroup'],
        resources: [ec2Arn('instance'), ec2Arn('volume'), ec2Arn('security-group')],
        conditions: tagged,
      }),
      new iam.PolicyStatement({
        sid: 'RunInstancesFromImages',
        actions: ['ec2:RunInstances'],
        resources: [`arn:${this.partition}:ec2:${this.region}::image/*`],
      }),
      new iam.PolicyStatement({
        sid: 'RunInstancesInVpc',
        actions: ['ec2:RunInstances'],
        resources: [ec2Arn('subnet'), ec2Arn('network-interface')],
        conditions: { ArnEquals: { 'ec2:Vpc': vpcArn } },
      }),
      new iam.PolicyStatement({
        sid: 'RunInstancesWithOwnedGroups',
        actions: ['ec2:RunInstances'],
        resources: [ec2Arn('security-group')],
        conditions: owned,
      }),
      new iam.PolicyStatement({
        sid: 'CreateSecurityGroupInVpc',
        actions: ['ec2:CreateSecurityGroup'],
        resources: [vpcArn],
      }),
      new iam.PolicyStatement({
        sid: 'TagOnCreate',
        actions: ['ec2:CreateTags'],
        resources: [ec2Arn('instance'), ec2Arn('volume'), ec2Arn('security-group')],
        conditions: { StringEquals: { 'ec2:CreateAction': ['RunInstances', 'CreateVolume', 'CreateSecurityGroup'] } },
      }),
      new iam.PolicyStatement({
        sid: 'RetagOwned',
        actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
        resources: [ec2Arn('instance'), ec2Arn('volume'), ec2Arn('security-group')],
        conditions: { ...owned, 'ForAllValues:StringNotEquals': { 'aws:TagKeys': [DEPLOYMENT_TAG] } },
      }),
      new iam.PolicyStatement({
        sid: 'ManageOwned',
        actions: [
          'ec2:TerminateInstances',
          'ec2:StartInstances',
          'ec2:StopInstances',
          'ec2:ModifyInstanceAttribute',
          'ec2:AttachVolume',
          'ec2:DetachVolume',
          'ec2:DeleteVolume',
          'ec2:AuthorizeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupEgress',
          'ec2:DeleteSecurityGroup',
        ],
        resources: [ec2Arn('instance'), ec2Arn('volume'), ec2Arn('security-group')],
        conditions: owned,
      }),
      new iam.PolicyStatement({
        sid: 'RulesOfOwnedGroups',
        actions: ['ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupEgress'],
        resources: [ec2Arn('security-group-rule')],
      }),
      new iam.PolicyStatement({ sid: 'Describe', actions: ['ec2:Describe*'], resources: ['*'] }),
      new iam.PolicyStatement({
        sid: 'CreateWorkspaceRole',
        actions: ['iam:CreateRole', 'iam:CreateInstanceProfile'],
        resources: [workspaceRoles, workspaceProfiles],
        conditions: tagged,
      }),
      new iam.PolicyStatement({
        sid: 'ManageWorkspaceRoles',
        actions: [
          'iam:GetRole',
          'iam:DeleteRole',
          'iam:TagRole',
          'iam:UntagRole',
          'iam:ListRolePolicies',
          'iam:ListAttachedRolePolicies',
          'iam:ListInstanceProfilesForRole',
          'iam:GetInstanceProfile',
          'iam:DeleteInstanceProfile',
          'iam:TagInstanceProfile',
          'iam:UntagInstanceProfile',
          'iam:AddRoleToInstanceProfile',
          'iam:RemoveRoleFromInstanceProfile',
        ],
        resources: [workspaceRoles, workspaceProfiles],
      }),
      new iam.PolicyStatement({
        sid: 'AttachSsmOnly',
        actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
        resources: [workspaceRoles],
        conditions: {
          ArnEquals: { 'iam:PolicyARN': `arn:${this.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore` },
        },
      }),
      new iam.PolicyStatement({
        sid: 'PassWorkspaceRole',
        actions: ['iam:PassRole'],
        resources: [workspaceRoles, workspaceInstanceRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      }),
    );
    attachPolicy(provisionerRole, provisionerRoleStatements);
    acknowledge(
      provisionerRole,
      'AwsSolutions-IAM5',
      `EC2 workspaces get new ids: creation requires the ${DEPLOYMENT_TAG} request tag and every change or deletion the same resource tag; images are inputs of RunInstances, subnets and network interfaces only in the deployment VPC, security groups only the tagged ones, and CreateSecurityGroup only in the deployment VPC; rules exist only inside the (tag-scoped) groups; workspace roles and profiles are limited to the IAM path ${iamPath} and may carry only AmazonSSMManagedInstanceCore; EC2 Describe* calls do not support resource-level permissions.`,
      [
        'Action::ec2:Describe*',
        'Resource::*',
        ...['instance', 'volume', 'network-interface', 'subnet', 'security-group', 'security-group-rule'].map(
          (r) => `Resource::arn:<AWS::Partition>:ec2:${this.region}:${this.account}:${r}/*`,
        ),
        `Resource::arn:<AWS::Partition>:ec2:${this.region}::image/*`,
        `Resource::arn:<AWS::Partition>:iam::${this.account}:role${iamPath}*`,
        `Resource::arn:<AWS::Partition>:iam::${this.account}:instance-profile${iamPath}*`,
      ],
    );
    associate('ProvisionerPodIdentity', provisionerRole, SERVICE_ACCOUNTS.provisioner);

    // EBS CSI driver: the AWS-managed policy, bound through the add-on's pod identity association.
    const ebsCsiRole = podRole('EbsCsiRole', 'EBS CSI driver');
    ebsCsiRole.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEBSCSIDriverPolicy'));
    acknowledge(
      ebsCsiRole,
      'AwsSolutions-IAM4',
      'The EBS CSI driver needs the AWS-managed AmazonEBSCSIDriverPolicy, which AWS keeps in step with the driver; its volume actions are already conditioned on the ebs.csi.aws.com tags.',
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy'],
    );

    // AWS Load Balancer Controller: TargetGroupBinding only; it never creates load balancers.
    const lbcRoleStatements: iam.PolicyStatement[] = [];
    const lbcRole = podRole('LoadBalancerControllerRole', 'AWS Load Balancer Controller (TargetGroupBinding only)');
    const targetGroupArn = (tgName: string) =>
      this.formatArn({ service: 'elasticloadbalancing', resource: 'targetgroup', resourceName: `${tgName}/*` });
    lbcRoleStatements.push(
      new iam.PolicyStatement({
        sid: 'BindCoderTargets',
        actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
        resources: [targetGroupArn(names.coderTargetGroup)],
      }),
    );
    lbcRoleStatements.push(
      new iam.PolicyStatement({
        sid: 'Describe',
        actions: [
          'elasticloadbalancing:DescribeTargetGroups',
          'elasticloadbalancing:DescribeTargetHealth',
          'elasticloadbalancing:DescribeLoadBalancers',
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeTags',
          'ec2:DescribeVpcs',
          'ec2:DescribeSubnets',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeInstances',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeAvailabilityZones',
        ],
        resources: ['*'],
      }),
    );
    attachPolicy(lbcRole, lbcRoleStatements);
    acknowledge(
      lbcRole,
      'AwsSolutions-IAM5',
      'Register/Deregister are limited to the coder target group by name (the id suffix is generated); Describe calls do not support resource-level permissions.',
      [
        'Resource::*',
        `Resource::arn:<AWS::Partition>:elasticloadbalancing:${this.region}:${this.account}:targetgroup/${names.coderTargetGroup}/*`,
      ],
    );
    associate('LoadBalancerControllerPodIdentity', lbcRole, SERVICE_ACCOUNTS.loadBalancerController);

    // Cluster autoscaler: changes only ASGs that EKS tagged as owned by this cluster.
    const casRoleStatements: iam.PolicyStatement[] = [];
    const casRole = podRole('ClusterAutoscalerRole', 'cluster-autoscaler');
    casRoleStatements.push(
      new iam.PolicyStatement({
        sid: 'Describe',
        actions: [
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeAutoScalingInstances',
          'autoscaling:DescribeLaunchConfigurations',
          'autoscaling:DescribeScalingActivities',
          'autoscaling:DescribeTags',
          'ec2:DescribeImages',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplateVersions',
          'ec2:GetInstanceTypesFromInstanceRequirements',
          'eks:DescribeNodegroup',
        ],
        resources: ['*'],
      }),
    );
    // EKS tags every managed node group's ASG for auto-discovery (k8s.io/cluster-autoscaler/enabled and
    // k8s.io/cluster-autoscaler/<cluster>), the control group's too, and the chart's single
    // --node-group-auto-discovery flag ANDs its tags, so discovery cannot leave the control group out. The
    // role does: it may change only the ASGs EKS tagged with this cluster and a provisioner/workspace group name.
    const autoscaledGroups = Object.entries(config.cluster.nodeGroups)
      .filter(([, g]) => g.role !== 'control' && g.minSize !== g.maxSize)
      .map(([groupName]) => groupName);
    casRoleStatements.push(
      new iam.PolicyStatement({
        sid: 'ScaleProvisionerAndWorkspaceGroups',
        actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            [`aws:ResourceTag/k8s.io/cluster-autoscaler/${names.cluster}`]: 'owned',
            'aws:ResourceTag/eks:cluster-name': names.cluster,
            'aws:ResourceTag/eks:nodegroup-name': autoscaledGroups,
          },
        },
      }),
    );
    attachPolicy(casRole, casRoleStatements);
    acknowledge(
      casRole,
      'AwsSolutions-IAM5',
      `Describe calls do not support resource-level permissions; SetDesiredCapacity and TerminateInstanceInAutoScalingGroup apply only to Auto Scaling groups EKS tagged with this cluster and one of the node groups ${autoscaledGroups.join(', ')} (ASG names carry a generated suffix).`,
      ['Resource::*'],
    );
    associate('ClusterAutoscalerPodIdentity', casRole, SERVICE_ACCOUNTS.clusterAutoscaler);

    // Add-ons. CoreDNS and the EBS CSI controller tolerate the control group's taint (seed-facts defect 9).
    const tolerations = controlTaints.map((t) => ({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect }));
    const controlSelector = controlGroup ? controlGroup[1].labels : {};
    const addon = (addonName: string, extra: Partial<eksL1.CfnAddonProps> = {}) => {
      const resource = new eksL1.CfnAddon(this, `Addon-${addonName}`, {
        clusterName: this.cluster.clusterName,
        addonName,
        resolveConflicts: 'OVERWRITE',
        ...extra,
      });
      const control = controlGroup ? this.nodegroups[controlGroup[0]] : undefined;
      if (control) resource.node.addDependency(control);
      return resource;
    };
    // Network policy on: the VPC CNI's node agent enforces the NetworkPolicies Day 1 applies and each workspace
    // template creates (without it they are accepted and ignored). The value is a string in the add-on schema.
    addon('vpc-cni', { configurationValues: JSON.stringify({ enableNetworkPolicy: 'true' }) });
    addon('kube-proxy');
    addon('eks-pod-identity-agent');
    addon('coredns', { configurationValues: JSON.stringify({ tolerations, nodeSelector: controlSelector }) });
    addon('aws-ebs-csi-driver', {
      // PVC volumes carry the deployment tag too, so day0 destroy can report the ones Kubernetes left behind.
      configurationValues: JSON.stringify({
        controller: {
          tolerations,
          nodeSelector: controlSelector,
          extraVolumeTags: { [DEPLOYMENT_TAG]: config.deployment.name },
        },
        node: { tolerateAllTaints: true },
      }),
      podIdentityAssociations: [{ roleArn: ebsCsiRole.roleArn, serviceAccount: SERVICE_ACCOUNTS.ebsCsi.name }],
    });

    if (props.adminPrincipalArn) {
      this.cluster.grantAccess('AdminAccess', props.adminPrincipalArn, [
        eks.AccessPolicy.fromAccessPolicyName('AmazonEKSClusterAdminPolicy', {
          accessScopeType: eks.AccessScopeType.CLUSTER,
        }),
      ]);
    }

    new CfnOutput(this, OUTPUT_KEYS.cluster.clusterName, { value: this.cluster.clusterName });
    new CfnOutput(this, OUTPUT_KEYS.cluster.clusterEndpoint, { value: this.cluster.clusterEndpoint });
    new CfnOutput(this, OUTPUT_KEYS.cluster.clusterArn, { value: this.cluster.clusterArn });
    new CfnOutput(this, OUTPUT_KEYS.cluster.clusterSecurityGroupId, { value: this.cluster.clusterSecurityGroupId });
    new CfnOutput(this, OUTPUT_KEYS.cluster.clusterCertificateAuthority, {
      value: this.cluster.clusterCertificateAuthorityData,
    });
    new CfnOutput(this, OUTPUT_KEYS.cluster.nodeGroupNames, {
      value: formatPairs(Object.fromEntries(Object.entries(this.nodegroups).map(([k, ng]) => [k, ng.nodegroupName]))),
    });
    new CfnOutput(this, OUTPUT_KEYS.cluster.secretsKmsKeyArn, { value: secretsKey.keyArn });
    new CfnOutput(this, OUTPUT_KEYS.cluster.coderdRoleArn, { value: coderdRole.roleArn });
    new CfnOutput(this, OUTPUT_KEYS.cluster.provisionerRoleArn, { value: provisionerRole.roleArn });
    new CfnOutput(this, OUTPUT_KEYS.cluster.ebsCsiRoleArn, { value: ebsCsiRole.roleArn });
    new CfnOutput(this, OUTPUT_KEYS.cluster.loadBalancerControllerRoleArn, { value: lbcRole.roleArn });
    new CfnOutput(this, OUTPUT_KEYS.cluster.clusterAutoscalerRoleArn, { value: casRole.roleArn });
  }
}
