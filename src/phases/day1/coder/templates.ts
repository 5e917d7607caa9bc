/**
 * Template push (coder-api.md §5), idempotent: the version name carries the content hash, so a re-run
 * (or a run resumed after a crash between upload and promote) finds the version it created and creates
 * no other one — for a new template, whose first version has no template yet, through the provisioner
 * jobs (orphanVersion); unchanged content uploads nothing and creates nothing.
 */
import type { EventHost } from '../../../engine/host.js';
import { CancelledError, ExternalError } from '../../../errors.js';
import type { ComposedTemplate } from '../templates/compose.js';
import { CoderApiError, type CoderClient } from '../../../coder/client.js';
import type { TemplateSettingsConfig } from '../../../config/schema.js';
import type { Template, TemplateSettings, TemplateVersion, Weekday } from '../../../coder/types.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEKDAY_NAMES: Record<TemplateSettingsConfig['autostopDays'][number], Weekday> = {
  MON: 'monday',
  TUE: 'tuesday',
  WED: 'wednesday',
  THU: 'thursday',
  FRI: 'friday',
  SAT: 'saturday',
  SUN: 'sunday',
};

/** workspaces.templateSettings of the config in the API's names and units (coder-api.md §5 settings table). */
export function scheduleSettings(config: TemplateSettingsConfig): TemplateSettings {
  return {
    default_ttl_ms: Math.round(config.defaultTtlHours * HOUR_MS),
    activity_bump_ms: Math.round(config.activityBumpHours * HOUR_MS),
    failure_ttl_ms: Math.round(config.failureTtlHours * HOUR_MS),
    time_til_dormant_ms: Math.round(config.dormancyDays * DAY_MS),
    time_til_dormant_autodelete_ms: Math.round(config.autoDeleteDays * DAY_MS),
    // in Coder's week order, as the API returns it
    autostop_requirement: {
      days_of_week: (Object.keys(WEEKDAY_NAMES) as (keyof typeof WEEKDAY_NAMES)[])
        .filter((d) => config.autostopDays.includes(d))
        .map((d) => WEEKDAY_NAMES[d]),
      weeks: 1,
    },
    allow_user_autostart: true,
    allow_user_autostop: true,
  };
}

export interface PushOptions {
  organizationId: string;
  /** Provisioner tags the version's job must match (config.coder.provisioners.tags). */
  tags: Record<string, string>;
  /** Schedule settings (config.workspaces.templateSettings). */
  schedule: TemplateSettingsConfig;
  host: EventHost;
  signal?: AbortSignal;
  /** Entitled to template RBAC (groups and ACLs). */
  templateRbac: boolean;
  /** @default 2000 */
  pollIntervalMs?: number;
  /** @default 900000 (15 min) */
  jobTimeoutMs?: number;
}

export interface PushResult {
  template: string;
  templateId: string;
  versionId: string;
  versionName: string;
  /** created: new template; promoted: new active version; unchanged: nothing to push. */
  action: 'created' | 'promoted' | 'unchanged';
  aclApplied: boolean;
}

const MAX_ATTEMPT_SUFFIX = 20;

function versionNames(base: string): string[] {
  return [base, ...Array.from({ length: MAX_ATTEMPT_SUFFIX - 1 }, (_, i) => `${base}-${i + 2}`)];
}

/** Does the active version of this template carry exactly this content (any retry suffix)? */
export function isVersionOf(versionName: string, baseName: string): boolean {
  return versionName === baseName || new RegExp(`^${baseName.replace(/\./g, '\\.')}-\\d+$`).test(versionName);
}

function settingsDiffer(template: Template, desired: TemplateSettings): boolean {
  const t = template as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(desired)) {
    if (key === 'autostop_requirement') {
      const current = template.autostop_requirement;
      if (
        !current ||
        current.weeks !== desired.autostop_requirement.weeks ||
        current.days_of_week.join() !== desired.autostop_requirement.days_of_week.join()
      )
        return true;
    } else if (t[key] !== value) return true;
  }
  return false;
}

/** Desired settings for a composed template. */
export function templateSettings(
  composed: ComposedTemplate,
  schedule: TemplateSettingsConfig,
  manageAcl: boolean,
): TemplateSettings {
  return {
    ...scheduleSettings(schedule),
    display_name: composed.displayName,
    description: composed.description,
    ...(manageAcl ? { disable_everyone_group_access: true } : {}),
  };
}

/** True when the template exists, its active version is this content, and its settings match. */
export async function templateUpToDate(
  client: CoderClient,
  organizationId: string,
  composed: ComposedTemplate,
  schedule: TemplateSettingsConfig,
  manageAcl: boolean,
): Promise<{ templateId: string; versionId: string } | undefined> {
  const template = await client.templateByName(organizationId, composed.name);
  if (!template) return undefined;
  const active = await client.getTemplateVersion(template.active_version_id);
  if (!isVersionOf(active.name, composed.versionName) || active.job.status !== 'succeeded') return undefined;
  const { disable_everyone_group_access: _ignored, ...comparable } = templateSettings(composed, schedule, manageAcl);
  if (settingsDiffer(template, comparable as TemplateSettings)) return undefined;
  if (manageAcl && !(await aclMatches(client, organizationId, template.id, composed))) return undefined;
  return { templateId: template.id, versionId: active.id };
}

/** The template's group roles are exactly the pairing's ACL (and the Everyone group has none). */
export async function aclMatches(
  client: CoderClient,
  organizationId: string,
  templateId: string,
  composed: ComposedTemplate,
): Promise<boolean> {
  const acl = await client.templateACL(templateId);
  const current = Object.fromEntries(
    acl.group
      .filter((g) => g.id !== organizationId || g.role !== '')
      .map((g) => [g.id === organizationId ? '(everyone)' : g.name, g.role]),
  );
  const desired = Object.fromEntries(Object.entries(composed.acl));
  const keys = new Set([...Object.keys(current), ...Object.keys(desired)]);
  return [...keys].every((k) => current[k] === desired[k]);
}

export async function pushTemplate(
  client: CoderClient,
  composed: ComposedTemplate,
  options: PushOptions,
): Promise<PushResult> {
  const { host, organizationId } = options;
  const manageAcl = options.templateRbac && Object.keys(composed.acl).length > 0;
  let template = await client.templateByName(organizationId, composed.name);
  let version: TemplateVersion | undefined;
  let action: PushResult['action'] = 'unchanged';

  // 1. Find a version with this content (a previous run, possibly interrupted) or create one.
  if (template) {
    for (const name of versionNames(composed.versionName)) {
      const existing = await client.templateVersionByName(template.id, name);
      if (!existing) {
        version = await createVersion(
          client,
          composed,
          name,
          template.id,
          await uploadArchive(client, composed, options),
          options,
        );
        break;
      }
      if (existing.job.status === 'failed' || existing.job.status === 'canceled') continue; // an earlier attempt failed: try again under the next name
      version = existing;
      break;
    }
  } else {
    // A new template's first version is created without a template, and the template right after it
    // (creation does not wait for the build). A run that died between the two left that version behind
    // with no template to find it by: look it up through the jobs we started before creating another.
    const fileId = await uploadArchive(client, composed, options);
    version =
      (await orphanVersion(client, organizationId, composed, fileId, options.tags)) ??
      (await createVersion(client, composed, composed.versionName, undefined, fileId, options));
    template = await createTemplateFor(client, composed, version.id, options, manageAcl);
    action = 'created';
  }
  if (!version || !template) {
    throw new ExternalError(
      'coder',
      'template push',
      `every one of ${MAX_ATTEMPT_SUFFIX} attempts to build ${composed.name} ${composed.versionName} failed`,
      {
        resource: composed.name,
        nextSteps: ['Read the job logs in the Coder dashboard (Templates → Versions), fix the cause, and re-run.'],
      },
    );
  }

  // 2. Wait for the build.
  version = await waitForJob(client, version, composed, options);

  // 3. Promote the version (a new template already has it active).
  const settings = templateSettings(composed, options.schedule, manageAcl);
  if (action === 'created') {
    host.emit({
      level: 'info',
      code: 'TEMPLATE_CREATED',
      message: `Template ${composed.name} created with version ${version.name}.`,
      data: { template: composed.name, version: version.name },
    });
  } else if (template.active_version_id !== version.id) {
    await client.promoteVersion(template.id, version.id);
    action = 'promoted';
    host.emit({
      level: 'info',
      code: 'TEMPLATE_PROMOTED',
      message: `Template ${composed.name}: version ${version.name} is now active.`,
      data: { template: composed.name, version: version.name },
    });
  }

  // 4. Settings (PATCH names differ from create names; only when something differs).
  if (action !== 'created' && settingsDiffer(template, settings)) {
    template = await client.updateTemplateSettings(template.id, settings);
    host.emit({
      level: 'info',
      code: 'TEMPLATE_SETTINGS_UPDATED',
      message: `Template ${composed.name}: schedule settings updated.`,
      data: { template: composed.name },
    });
  }

  // 5. Group ACLs.
  let aclApplied = false;
  if (manageAcl) {
    if (!(await aclMatches(client, organizationId, template.id, composed)))
      await applyAcl(client, organizationId, template.id, composed, host);
    aclApplied = true;
  } else if (Object.keys(composed.acl).length > 0) {
    host.emit({
      level: 'warn',
      code: 'TEMPLATE_ACL_SKIPPED',
      message: `Template ${composed.name}: group ACLs not applied because the license has no template_rbac entitlement; every user of the organization can use it.`,
      data: { template: composed.name },
    });
  }
  return {
    template: composed.name,
    templateId: template.id,
    versionId: version.id,
    versionName: version.name,
    action,
    aclApplied,
  };
}

async function createTemplateFor(
  client: CoderClient,
  composed: ComposedTemplate,
  versionId: string,
  options: PushOptions,
  manageAcl: boolean,
): Promise<Template> {
  const settings = templateSettings(composed, options.schedule, manageAcl);
  return client.createTemplate(options.organizationId, {
    name: composed.name,
    template_version_id: versionId,
    display_name: settings.display_name,
    description: settings.description,
    default_ttl_ms: settings.default_ttl_ms,
    activity_bump_ms: settings.activity_bump_ms,
    failure_ttl_ms: settings.failure_ttl_ms,
    dormant_ttl_ms: settings.time_til_dormant_ms,
    delete_ttl_ms: settings.time_til_dormant_autodelete_ms,
    autostop_requirement: settings.autostop_requirement,
    allow_user_autostart: settings.allow_user_autostart,
    allow_user_autostop: settings.allow_user_autostop,
    ...(manageAcl ? { disable_everyone_group_access: true } : {}),
  });
}

/** Uploads the archive (Coder answers 200 with the same file id when this user uploaded it before). */
async function uploadArchive(client: CoderClient, composed: ComposedTemplate, options: PushOptions): Promise<string> {
  const upload = await client.uploadFile(composed.archive);
  options.host.emit({
    level: 'debug',
    code: 'TEMPLATE_UPLOADED',
    message: `Uploaded ${composed.name} (${composed.archive.length} bytes, ${upload.created ? 'new' : 'already on the server'}).`,
    data: { template: composed.name, fileId: upload.fileId, sha256: composed.contentHash },
  });
  return upload.fileId;
}

/** How many of the owner's most recent provisioner jobs are searched for an orphaned version. */
export const ORPHAN_SEARCH_LIMIT = 100;

/**
 * A version of exactly this content (same file, name and provisioner tags) that an earlier run created
 * without a template and never attached to one, still usable (not failed or canceled). Found through
 * the provisioner jobs the owner started (newest first): a template-version import job names its
 * version and, once the version belongs to a template, that template — so no template id means orphan.
 */
export async function orphanVersion(
  client: CoderClient,
  organizationId: string,
  composed: ComposedTemplate,
  fileId: string,
  tags: Record<string, string>,
): Promise<TemplateVersion | undefined> {
  const me = await client.me();
  const jobs = await client.listProvisionerJobs(organizationId, { initiator: me.id, limit: ORPHAN_SEARCH_LIMIT });
  for (const job of jobs) {
    if (
      job.type !== 'template_version_import' ||
      job.metadata?.template_id ||
      job.metadata?.template_version_name !== composed.versionName
    )
      continue;
    if (job.file_id !== fileId || job.status === 'failed' || job.status === 'canceled' || job.status === 'canceling')
      continue;
    if (Object.entries(tags).some(([key, value]) => job.tags?.[key] !== value)) continue;
    const id = job.input?.template_version_id;
    if (!id) continue;
    const version = await client.getTemplateVersion(id);
    if (version.name === composed.versionName && !version.template_id) return version;
  }
  return undefined;
}

async function createVersion(
  client: CoderClient,
  composed: ComposedTemplate,
  name: string,
  templateId: string | undefined,
  fileId: string,
  options: PushOptions,
): Promise<TemplateVersion> {
  try {
    return await client.createTemplateVersion(options.organizationId, {
      storage_method: 'file',
      provisioner: 'terraform',
      file_id: fileId,
      ...(templateId ? { template_id: templateId } : {}),
      name,
      message: `coder-platform: ${composed.toolchain.name} ${composed.toolchain.version} on ${composed.base.name} ${composed.base.version} (sha256 ${composed.contentHash.slice(0, 12)})`,
      tags: options.tags,
    });
  } catch (error) {
    // Created by a concurrent or interrupted run between our lookup and this call: use that one.
    if (error instanceof CoderApiError && error.status === 409 && templateId) {
      const existing = await client.templateVersionByName(templateId, name);
      if (existing) return existing;
    }
    throw error;
  }
}

async function waitForJob(
  client: CoderClient,
  initial: TemplateVersion,
  composed: ComposedTemplate,
  options: PushOptions,
): Promise<TemplateVersion> {
  const interval = options.pollIntervalMs ?? 2000;
  const deadline = Date.now() + (options.jobTimeoutMs ?? 900_000);
  let version = initial;
  for (;;) {
    if (options.signal?.aborted)
      throw new CancelledError(`Interrupted while ${composed.name} ${version.name} was building; re-run to resume.`);
    const status = version.job.status;
    if (status === 'succeeded') return version;
    if (status === 'failed' || status === 'canceled' || status === 'canceling') {
      const logs = await client.templateVersionLogs(version.id).catch(() => []);
      const tail = logs
        .slice(-20)
        .map((l) => l.output)
        .join('\n');
      throw new ExternalError(
        'coder',
        'template version build',
        `${composed.name} ${version.name} ${status}: ${version.job.error ?? 'no error message'}${tail ? `\n--- last job logs ---\n${tail}` : ''}`,
        {
          resource: composed.name,
          nextSteps: [
            'Fix the template (or the provisioner) and re-run; the next attempt builds a new version of the same content.',
          ],
        },
      );
    }
    if (status === 'pending' && version.matched_provisioners && version.matched_provisioners.count === 0) {
      await client.cancelTemplateVersion(version.id);
      const tags = Object.entries(version.job.tags ?? options.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      throw new ExternalError(
        'coder',
        'template version build',
        `no provisioner daemon matches the job's tags {${tags}}; the job would stay pending forever, so it was canceled`,
        {
          resource: composed.name,
          nextSteps: [
            'Check that the coder-provisioner pods are running and connected: `kubectl -n coder-prov get pods`.',
            'Make coder.provisioners.tags in coder-platform.yaml equal the tags of the provisioner key, then re-run.',
          ],
        },
      );
    }
    if (Date.now() > deadline) {
      throw new ExternalError(
        'coder',
        'template version build',
        `${composed.name} ${version.name} still ${status} after ${Math.round((options.jobTimeoutMs ?? 900_000) / 1000)} s`,
        {
          resource: composed.name,
          nextSteps: ['Check the provisioner queue (`coder provisioner jobs list`) and re-run; the version is reused.'],
        },
      );
    }
    await sleep(interval, options.signal);
    version = await client.getTemplateVersion(version.id);
  }
}

/** Resolve ACL group names (creating missing groups empty; users.yaml fills them) and apply group_perms. */
async function applyAcl(
  client: CoderClient,
  organizationId: string,
  templateId: string,
  composed: ComposedTemplate,
  host: EventHost,
): Promise<void> {
  const groups = await client.listGroups(organizationId);
  const byName = new Map(groups.map((g) => [g.name, g]));
  const groupPerms: Record<string, 'use' | 'admin' | ''> = {};
  for (const [name, role] of Object.entries(composed.acl).sort(([a], [b]) => a.localeCompare(b))) {
    let group = byName.get(name);
    if (!group) {
      group = await client.createGroup(organizationId, { name });
      byName.set(name, group);
      host.emit({
        level: 'info',
        code: 'GROUP_CREATED',
        message: `Group ${name} created for the ACL of ${composed.name} (members come from users.yaml).`,
        data: { group: name },
      });
    }
    groupPerms[group.id] = role;
  }
  // The Everyone group (id = organization id) must not keep `use` on a managed template.
  if (groups.some((g) => g.id === organizationId)) groupPerms[organizationId] = '';
  await client.updateTemplateACL(templateId, { group_perms: groupPerms });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
