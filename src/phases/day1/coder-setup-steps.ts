/** The Day 1 Coder API steps that set Coder up: the first owner, the license, the provisioner key. */
import {
  ensureFirstAdmin,
  ensureLicense,
  ensureProvisionerKey,
  entitlementReport,
  isInstalledLicense,
  ownerSession,
  provisionerKeyReady,
} from './coder/setup.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import { secretNames } from '../../deployment/outputs.js';
import type { Step, StepOutputs } from '../../engine/types.js';
import { CODER_STEP_IDS, organizationId, type Day1CoderServices } from './coder-step-common.js';

export function firstAdminStep(config: CoderPlatformConfig): Step<Day1CoderServices> {
  return {
    id: CODER_STEP_IDS.firstAdmin,
    title: 'Create the Coder owner and store its session token',
    expectedSeconds: 10,
    isDone: async ({ services }) => {
      const session = await ownerSession(services.coderAnonymous(), services.secrets, services.deployment);
      if (!session) return undefined;
      const names = secretNames(services.deployment);
      return {
        organizationId: session.organizationId,
        adminUsername: config.coder.admin.username,
        owner: 'existing',
        passwordSecret: names.adminPassword,
        sessionTokenSecret: names.sessionToken,
      };
    },
    run: async ({ services, host }) => {
      const result = await ensureFirstAdmin(services.coderAnonymous(), {
        deployment: services.deployment,
        email: config.coder.admin.email,
        username: config.coder.admin.username,
        secrets: services.secrets,
        host,
        ...(services.secretsKmsKeyId ? { kmsKeyId: services.secretsKmsKeyId } : {}),
      });
      return {
        organizationId: result.organizationId,
        adminUsername: result.username,
        owner: result.owner,
        passwordSecret: result.passwordSecret,
        sessionTokenSecret: result.sessionTokenSecret,
      };
    },
  };
}

export function licenseStep(config: CoderPlatformConfig): Step<Day1CoderServices> {
  const licenseOutputs = (r: Awaited<ReturnType<typeof ensureLicense>>): StepOutputs => ({
    hasLicense: r.hasLicense,
    highAvailability: r.highAvailability,
    externalProvisioners: r.externalProvisioners,
    templateRbac: r.templateRbac,
    advancedScheduling: r.advancedScheduling,
    licenseAdded: r.licenseAdded,
  });
  return {
    id: CODER_STEP_IDS.license,
    title: config.coder.license ? 'Add the Coder license and check entitlements' : 'Check Coder entitlements',
    dependsOn: [CODER_STEP_IDS.firstAdmin],
    expectedSeconds: 5,
    isDone: async ({ services }) => {
      const client = await services.coder();
      if (config.coder.license) {
        if (!isInstalledLicense(await services.secrets.resolve(config.coder.license), await client.listLicenses()))
          return undefined;
      }
      const report = entitlementReport(await client.entitlements());
      if (config.coder.replicas > 1 && !report.highAvailability) return undefined; // run reports it
      return licenseOutputs({ ...report, licenseAdded: false });
    },
    run: async ({ services, host }) => {
      const client = await services.coder();
      const jwt = config.coder.license ? await services.secrets.resolve(config.coder.license) : undefined;
      return licenseOutputs(await ensureLicense(client, { license: jwt, replicas: config.coder.replicas, host }));
    },
  };
}

export function provisionerKeyStep(config: CoderPlatformConfig): Step<Day1CoderServices> {
  return {
    id: CODER_STEP_IDS.provisionerKey,
    title: `Create the provisioner key ${config.coder.provisioners.keyName}`,
    dependsOn: [CODER_STEP_IDS.license],
    expectedSeconds: 5,
    isDone: async ({ services }) => {
      const client = await services.coder();
      const ready = await provisionerKeyReady(client, {
        deployment: services.deployment,
        organizationId: await organizationId(client),
        keyName: config.coder.provisioners.keyName,
        tags: config.coder.provisioners.tags,
        secrets: services.secrets,
      });
      return ready
        ? {
            keyName: config.coder.provisioners.keyName,
            secretName: secretNames(services.deployment).provisionerKey,
            action: 'existing',
          }
        : undefined;
    },
    run: async ({ services, host }) => {
      const client = await services.coder();
      const result = await ensureProvisionerKey(client, {
        deployment: services.deployment,
        organizationId: await organizationId(client),
        keyName: config.coder.provisioners.keyName,
        tags: config.coder.provisioners.tags,
        secrets: services.secrets,
        host,
        ...(services.secretsKmsKeyId ? { kmsKeyId: services.secretsKmsKeyId } : {}),
      });
      return { keyName: result.keyName, secretName: result.secretName, action: result.action };
    },
  };
}
