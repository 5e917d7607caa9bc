/**
 * The Day 1 steps that talk to Coder's API: first admin, license, provisioner key, templates, users.
 * Each step's isDone probes Coder itself, so a lost journal or a re-run converges without redoing work.
 * The cluster side (Helm, kubectl, the provisioner chart) lives in the sibling steps of the day1 phase;
 * the provisioner key reaches it only through Secrets Manager (secretNames(deployment).provisionerKey).
 */
import type { SecretStore } from '../../aws/secrets.js';
import { CoderClient } from '../../coder/client.js';
import { ensureFirstAdmin, ensureLicense, ensureProvisionerKey, entitlementReport, isInstalledLicense, ownerSession, provisionerKeyReady } from './coder/setup.js';
import { pushTemplate, templateUpToDate } from './coder/templates.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import { secretNames } from '../../deployment/outputs.js';
import type { Step, StepContext, StepOutputs } from '../../engine/types.js';
import { UserError } from '../../errors.js';
import { loadTemplateAssets } from './templates/assets.js';
import { composeTemplate, type ComposedTemplate } from './templates/compose.js';
import { assertPairings } from './templates/contract.js';
import { applyUsersPlan, planIsEmpty, planUsers, type UsersPlan } from './users/apply.js';
import { loadUsersFile } from './users/schema.js';

export interface Day1CoderServices {
  /** An owner client, authenticated with the session token stored in Secrets Manager by first-admin. */
  coder: () => Promise<CoderClient>;
  /** An unauthenticated client for the same access URL. */
  coderAnonymous: () => CoderClient;
  secrets: SecretStore;
  deployment: string;
  config: CoderPlatformConfig;
  /** users.yaml, already resolved against the config file's directory. */
  usersFile?: string;
  /** Suspend Coder users that users.yaml no longer lists (`--prune`). */
  prune?: boolean;
  /** KMS key for the secrets the CLI writes (default: the account's aws/secretsmanager key). */
  secretsKmsKeyId?: string;
  /** Template build polling, for tests and slow sites. */
  templatePoll?: { intervalMs?: number; timeoutMs?: number };
}

export const CODER_STEP_IDS = { firstAdmin: 'first-admin', license: 'license', provisionerKey: 'provisioner-key', templates: 'templates', users: 'users' } as const;

/**
 * Builds `coder` and `coderAnonymous` for Day1CoderServices: the owner client reads its token from
 * Secrets Manager at the moment of use (never cached on disk).
 */
export function coderClientFactory(options: { baseUrl: string; secrets: SecretStore; deployment: string; fetch?: typeof fetch; timeoutMs?: number }): Pick<Day1CoderServices, 'coder' | 'coderAnonymous'> {
  const anonymous = new CoderClient({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  return {
    coderAnonymous: () => anonymous,
    coder: async () => {
      const name = secretNames(options.deployment).sessionToken;
      const token = await options.secrets.get(name);
      if (!token) {
        throw new UserError(`No Coder session token in Secrets Manager (${name}).`, { nextSteps: ['Run `coder-platform day1 --only first-admin` first; it logs in and stores the token.'] });
      }
      return anonymous.withToken(token);
    },
  };
}

type Ctx = StepContext<Day1CoderServices>;

async function organizationId(client: CoderClient): Promise<string> {
  return (await client.organization('default')).id;
}

async function composeAll(config: CoderPlatformConfig): Promise<ComposedTemplate[]> {
  const assets = await loadTemplateAssets();
  // Every pairing's contract is checked before any template is composed or pushed.
  assertPairings(assets, config.workspaces.templates);
  const composed: ComposedTemplate[] = [];
  for (const name of config.workspaces.templates) composed.push(await composeTemplate(assets, config, name));
  return composed;
}

async function usersPlan(ctx: Ctx): Promise<UsersPlan> {
  const { services } = ctx;
  const client = await services.coder();
  const file = await loadUsersFile(services.usersFile!);
  const report = entitlementReport(await client.entitlements());
  return planUsers(client, file, {
    organizationId: await organizationId(client),
    prune: services.prune === true,
    templateRbac: report.templateRbac,
    protectedUsernames: [services.config.coder.admin.username, (await client.me()).username],
  });
}

export function coderSteps(config: CoderPlatformConfig): Step<Day1CoderServices>[] {
  const firstAdmin: Step<Day1CoderServices> = {
    id: CODER_STEP_IDS.firstAdmin,
    title: 'Create the Coder owner and store its session token',
    expectedSeconds: 10,
    isDone: async ({ services }) => {
      const session = await ownerSession(services.coderAnonymous(), services.secrets, services.deployment);
      if (!session) return undefined;
      const names = secretNames(services.deployment);
      return { organizationId: session.organizationId, adminUsername: config.coder.admin.username, owner: 'existing', passwordSecret: names.adminPassword, sessionTokenSecret: names.sessionToken };
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
      return { organizationId: result.organizationId, adminUsername: result.username, owner: result.owner, passwordSecret: result.passwordSecret, sessionTokenSecret: result.sessionTokenSecret };
    },
  };

  const licenseOutputs = (r: Awaited<ReturnType<typeof ensureLicense>>): StepOutputs => ({
    hasLicense: r.hasLicense,
    highAvailability: r.highAvailability,
    externalProvisioners: r.externalProvisioners,
    templateRbac: r.templateRbac,
    advancedScheduling: r.advancedScheduling,
    licenseAdded: r.licenseAdded,
  });

  const license: Step<Day1CoderServices> = {
    id: CODER_STEP_IDS.license,
    title: config.coder.license ? 'Add the Coder license and check entitlements' : 'Check Coder entitlements',
    dependsOn: [CODER_STEP_IDS.firstAdmin],
    expectedSeconds: 5,
    isDone: async ({ services }) => {
      const client = await services.coder();
      if (config.coder.license) {
        if (!isInstalledLicense(await services.secrets.resolve(config.coder.license), await client.listLicenses())) return undefined;
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

  const provisionerKey: Step<Day1CoderServices> = {
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
      return ready ? { keyName: config.coder.provisioners.keyName, secretName: secretNames(services.deployment).provisionerKey, action: 'existing' } : undefined;
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

  const templates: Step<Day1CoderServices> = {
    id: CODER_STEP_IDS.templates,
    title: `Publish templates: ${config.workspaces.templates.join(', ')}`,
    dependsOn: [CODER_STEP_IDS.provisionerKey],
    expectedSeconds: 120,
    enabled: config.workspaces.templates.length > 0,
    isDone: async ({ services }) => {
      const composed = await composeAll(config);
      const client = await services.coder();
      const org = await organizationId(client);
      const rbac = entitlementReport(await client.entitlements()).templateRbac;
      const versions: string[] = [];
      for (const template of composed) {
        const upToDate = await templateUpToDate(client, org, template, config.workspaces.templateSettings, rbac && Object.keys(template.acl).length > 0);
        if (!upToDate) return undefined;
        versions.push(`${template.name}@${template.versionName}`);
      }
      return { templates: composed.map((t) => t.name), versions, changed: [] };
    },
    run: async ({ services, host, signal }) => {
      const composed = await composeAll(config);
      const client = await services.coder();
      const org = await organizationId(client);
      const rbac = entitlementReport(await client.entitlements()).templateRbac;
      const versions: string[] = [];
      const changed: string[] = [];
      for (const template of composed) {
        const result = await pushTemplate(client, template, {
          organizationId: org,
          tags: config.coder.provisioners.tags,
          schedule: config.workspaces.templateSettings,
          host,
          signal,
          templateRbac: rbac,
          ...(services.templatePoll?.intervalMs === undefined ? {} : { pollIntervalMs: services.templatePoll.intervalMs }),
          ...(services.templatePoll?.timeoutMs === undefined ? {} : { jobTimeoutMs: services.templatePoll.timeoutMs }),
        });
        versions.push(`${result.template}@${result.versionName}`);
        if (result.action !== 'unchanged') changed.push(result.template);
      }
      return { templates: composed.map((t) => t.name), versions, changed };
    },
  };

  const users: Step<Day1CoderServices> = {
    id: CODER_STEP_IDS.users,
    title: 'Apply users, groups and roles from users.yaml',
    dependsOn: [CODER_STEP_IDS.templates],
    expectedSeconds: 20,
    enabled: config.users.file !== null,
    isDone: async (ctx) => {
      if (!ctx.services.usersFile) return undefined;
      const plan = await usersPlan(ctx);
      return planIsEmpty(plan) ? { created: 0, updated: 0, suspended: 0, groupsChanged: 0, unmanaged: plan.unmanaged.length, separationOfDuties: plan.separationOfDuties } : undefined;
    },
    run: async (ctx) => {
      if (!ctx.services.usersFile) {
        throw new UserError('users.file is set in the configuration, but no users file path reached the day1 phase.', { nextSteps: ['Check users.file in coder-platform.yaml (relative to the config file).'] });
      }
      const plan = await usersPlan(ctx);
      const client = await ctx.services.coder();
      const summary = await applyUsersPlan(client, plan, { organizationId: await organizationId(client), host: ctx.host });
      return {
        created: summary.created.length,
        updated: new Set([...summary.siteRolesUpdated, ...summary.orgRolesUpdated, ...summary.activated]).size,
        suspended: summary.suspended.length,
        groupsChanged: new Set([...summary.groupsCreated, ...Object.keys(summary.membersAdded), ...Object.keys(summary.membersRemoved)]).size,
        unmanaged: summary.unmanaged.length,
        separationOfDuties: summary.separationOfDuties,
      };
    },
  };

  return [firstAdmin, license, provisionerKey, templates, users];
}
