/** The Day 1 Coder API steps that publish content: the workspace templates and the users of users.yaml. */
import { entitlementReport } from './coder/setup.js';
import { pushTemplate, templateUpToDate } from './coder/templates.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { Step, StepContext } from '../../engine/types.js';
import { UserError } from '../../errors.js';
import { loadTemplateAssets } from './templates/assets.js';
import { composeTemplate, type ComposedTemplate } from './templates/compose.js';
import { assertPairings } from './templates/contract.js';
import { applyUsersPlan, planIsEmpty, planUsers, type UsersPlan } from './users/apply.js';
import { loadUsersFile } from './users/schema.js';
import { CODER_STEP_IDS, organizationId, type Day1CoderServices } from './coder-step-common.js';

type Ctx = StepContext<Day1CoderServices>;

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

export function templatesStep(config: CoderPlatformConfig): Step<Day1CoderServices> {
  return {
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
        const upToDate = await templateUpToDate(
          client,
          org,
          template,
          config.workspaces.templateSettings,
          rbac && Object.keys(template.acl).length > 0,
        );
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
          ...(services.templatePoll?.intervalMs === undefined
            ? {}
            : { pollIntervalMs: services.templatePoll.intervalMs }),
          ...(services.templatePoll?.timeoutMs === undefined ? {} : { jobTimeoutMs: services.templatePoll.timeoutMs }),
        });
        versions.push(`${result.template}@${result.versionName}`);
        if (result.action !== 'unchanged') changed.push(result.template);
      }
      return { templates: composed.map((t) => t.name), versions, changed };
    },
  };
}

export function usersStep(config: CoderPlatformConfig): Step<Day1CoderServices> {
  return {
    id: CODER_STEP_IDS.users,
    title: 'Apply users, groups and roles from users.yaml',
    dependsOn: [CODER_STEP_IDS.templates],
    expectedSeconds: 20,
    enabled: config.users.file !== null,
    isDone: async (ctx) => {
      if (!ctx.services.usersFile) return undefined;
      const plan = await usersPlan(ctx);
      return planIsEmpty(plan)
        ? {
            created: 0,
            updated: 0,
            suspended: 0,
            groupsChanged: 0,
            unmanaged: plan.unmanaged.length,
            separationOfDuties: plan.separationOfDuties,
          }
        : undefined;
    },
    run: async (ctx) => {
      if (!ctx.services.usersFile) {
        throw new UserError('users.file is set in the configuration, but no users file path reached the day1 phase.', {
          nextSteps: ['Check users.file in coder-platform.yaml (relative to the config file).'],
        });
      }
      const plan = await usersPlan(ctx);
      const client = await ctx.services.coder();
      const summary = await applyUsersPlan(client, plan, {
        organizationId: await organizationId(client),
        host: ctx.host,
      });
      return {
        created: summary.created.length,
        updated: new Set([...summary.siteRolesUpdated, ...summary.orgRolesUpdated, ...summary.activated]).size,
        suspended: summary.suspended.length,
        groupsChanged: new Set([
          ...summary.groupsCreated,
          ...Object.keys(summary.membersAdded),
          ...Object.keys(summary.membersRemoved),
        ]).size,
        unmanaged: summary.unmanaged.length,
        separationOfDuties: summary.separationOfDuties,
      };
    },
  };
}
