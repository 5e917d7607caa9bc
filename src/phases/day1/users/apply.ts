/**
 * Apply users.yaml to Coder as a diff (coder-api.md §6–8): create missing users, set site and
 * organization roles, activate listed users that are suspended, create groups and diff their members;
 * users no longer listed are suspended (never deleted) only with `prune`. Planning reads only, so the
 * plan doubles as the step's "already done?" probe.
 */
import type { CoderClient } from '../../../coder/client.js';
import { generatePassword } from '../coder/setup.js';
import type { CoderUser, Group } from '../../../coder/types.js';
import type { EventHost } from '../../../engine/host.js';
import { ExternalError } from '../../../errors.js';
import type { UsersFile, UserSpec } from './schema.js';

export interface UsersPlanOptions {
  organizationId: string;
  /** Suspend Coder users that users.yaml no longer lists. */
  prune: boolean;
  /** Groups need the template_rbac entitlement. */
  templateRbac: boolean;
  /** Never suspended: the owner coder-platform logs in as. */
  protectedUsernames: string[];
}

export interface GroupChange {
  group: string;
  create: boolean;
  groupId?: string;
  add: string[];
  remove: string[];
  quotaAllowance?: number;
  displayName?: string;
}

export interface UsersPlan {
  create: UserSpec[];
  siteRoles: { username: string; from: string[]; to: string[] }[];
  orgRoles: { username: string; from: string[]; to: string[] }[];
  activate: string[];
  suspend: string[];
  /** Users in Coder but not in the file, left alone because prune is off. */
  unmanaged: string[];
  groups: GroupChange[];
  /** Groups not touched: IdP-synced (source oidc) or no template_rbac entitlement. */
  skippedGroups: { group: string; reason: string }[];
  /** People holding both user-admin and template-admin (site or organization). */
  separationOfDuties: string[];
}

export interface UsersSummary {
  created: string[];
  siteRolesUpdated: string[];
  orgRolesUpdated: string[];
  activated: string[];
  suspended: string[];
  unmanaged: string[];
  groupsCreated: string[];
  membersAdded: Record<string, string[]>;
  membersRemoved: Record<string, string[]>;
  skippedGroups: string[];
  separationOfDuties: string[];
}

const sorted = (values: readonly string[]): string[] => [...values].sort();
const same = (a: readonly string[], b: readonly string[]): boolean => sorted(a).join(',') === sorted(b).join(',');
const lower = (s: string): string => s.toLowerCase();

/** Site roles of a user, without the implicit `member`. */
function siteRoleNames(user: CoderUser): string[] {
  return (user.roles ?? [])
    .filter((r) => !r.organization_id)
    .map((r) => r.name)
    .filter((n) => n !== 'member');
}

export function separationOfDuties(file: UsersFile): string[] {
  return file.users
    .filter((u) => {
      const site = new Set<string>(u.siteRoles);
      const org = new Set<string>(u.orgRoles);
      return (
        (site.has('user-admin') && site.has('template-admin')) ||
        (org.has('organization-user-admin') && org.has('organization-template-admin')) ||
        (site.has('user-admin') && org.has('organization-template-admin')) ||
        (site.has('template-admin') && org.has('organization-user-admin'))
      );
    })
    .map((u) => u.username);
}

/** The groups part of the plan: create missing groups, diff members, quota and display name; skip IdP-synced ones. */
async function planGroups(
  client: CoderClient,
  file: UsersFile,
  options: UsersPlanOptions,
  plan: UsersPlan,
): Promise<void> {
  if (file.groups.length > 0 && !options.templateRbac) {
    plan.skippedGroups.push(
      ...file.groups.map((g) => ({ group: g.name, reason: 'the license has no template_rbac entitlement' })),
    );
    return;
  }
  const groups = file.groups.length > 0 ? await client.listGroups(options.organizationId) : [];
  const groupByName = new Map<string, Group>(groups.map((g) => [g.name, g]));
  for (const spec of file.groups) {
    const group = groupByName.get(spec.name);
    if (!group) {
      plan.groups.push({
        group: spec.name,
        create: true,
        add: sorted(spec.members),
        remove: [],
        ...(spec.quotaAllowance === undefined ? {} : { quotaAllowance: spec.quotaAllowance }),
        ...(spec.displayName === undefined ? {} : { displayName: spec.displayName }),
      });
      continue;
    }
    if (group.source === 'oidc') {
      plan.skippedGroups.push({
        group: spec.name,
        reason: 'synced from the identity provider (source oidc); change it there',
      });
      continue;
    }
    const members = await client.groupMembers(group.id);
    const currentNames = new Set(members.map((m) => lower(m.username)));
    const desired = new Set(spec.members.map(lower));
    const add = sorted(spec.members.filter((m) => !currentNames.has(lower(m))));
    const remove = sorted(members.filter((m) => !desired.has(lower(m.username))).map((m) => m.username));
    const quotaChanged = spec.quotaAllowance !== undefined && spec.quotaAllowance !== group.quota_allowance;
    const displayChanged = spec.displayName !== undefined && spec.displayName !== (group.display_name ?? '');
    if (add.length > 0 || remove.length > 0 || quotaChanged || displayChanged) {
      plan.groups.push({
        group: spec.name,
        create: false,
        groupId: group.id,
        add,
        remove,
        ...(quotaChanged ? { quotaAllowance: spec.quotaAllowance } : {}),
        ...(displayChanged ? { displayName: spec.displayName } : {}),
      });
    }
  }
}

export async function planUsers(client: CoderClient, file: UsersFile, options: UsersPlanOptions): Promise<UsersPlan> {
  const current = await client.listUsers();
  const byName = new Map(current.map((u) => [lower(u.username), u]));
  const listed = new Set(file.users.map((u) => lower(u.username)));
  const plan: UsersPlan = {
    create: [],
    siteRoles: [],
    orgRoles: [],
    activate: [],
    suspend: [],
    unmanaged: [],
    groups: [],
    skippedGroups: [],
    separationOfDuties: separationOfDuties(file),
  };

  const protectedNames = new Set(options.protectedUsernames.map(lower));
  for (const spec of file.users) {
    const existing = byName.get(lower(spec.username));
    if (!existing) {
      plan.create.push(spec);
      if (spec.orgRoles.length > 0)
        plan.orgRoles.push({ username: spec.username, from: [], to: sorted(spec.orgRoles) });
      continue;
    }
    const site = siteRoleNames(existing);
    // The owner coder-platform itself logs in as keeps `owner`, even when users.yaml lists it without.
    const keepOwner =
      protectedNames.has(lower(existing.username)) && site.includes('owner') && !spec.siteRoles.includes('owner');
    const desired: string[] = keepOwner ? [...spec.siteRoles, 'owner'] : [...spec.siteRoles];
    if (!same(site, desired))
      plan.siteRoles.push({ username: existing.username, from: sorted(site), to: sorted(desired) });
    const member = await client.organizationMember(options.organizationId, existing.username);
    const org = (member?.roles ?? []).map((r) => r.name).filter((n) => n !== 'organization-member');
    if (!same(org, spec.orgRoles))
      plan.orgRoles.push({ username: existing.username, from: sorted(org), to: sorted(spec.orgRoles) });
    if (existing.status === 'suspended') plan.activate.push(existing.username);
  }

  for (const user of current) {
    if (listed.has(lower(user.username)) || protectedNames.has(lower(user.username))) continue;
    if (user.status === 'suspended') continue;
    if (options.prune) plan.suspend.push(user.username);
    else plan.unmanaged.push(user.username);
  }

  await planGroups(client, file, options, plan);
  return plan;
}

/** True when applying the plan would change nothing in Coder. */
export function planIsEmpty(plan: UsersPlan): boolean {
  return (
    plan.create.length +
      plan.siteRoles.length +
      plan.orgRoles.length +
      plan.activate.length +
      plan.suspend.length +
      plan.groups.length ===
    0
  );
}

/** Create, re-role, activate and suspend users as planned; records each in the summary and new ids in `ids`. */
async function applyUserChanges(
  client: CoderClient,
  plan: UsersPlan,
  organizationId: string,
  summary: UsersSummary,
  ids: Map<string, string>,
): Promise<void> {
  for (const spec of plan.create) {
    const loginType = spec.loginType;
    const user = await client.createUser({
      username: spec.username,
      email: spec.email,
      ...(spec.name ? { name: spec.name } : {}),
      login_type: loginType,
      organization_ids: [organizationId],
      ...(spec.siteRoles.length > 0 ? { roles: [...spec.siteRoles] } : {}),
      // Password users get a random password nobody knows; they set their own through "forgot password".
      ...(loginType === 'password' ? { password: generatePassword() } : {}),
    });
    ids.set(lower(spec.username), user.id);
    summary.created.push(spec.username);
  }
  for (const change of plan.siteRoles) {
    await client.updateSiteRoles(change.username, change.to);
    summary.siteRolesUpdated.push(change.username);
  }
  for (const change of plan.orgRoles) {
    await client.updateOrganizationRoles(organizationId, change.username, change.to);
    summary.orgRolesUpdated.push(change.username);
  }
  for (const username of plan.activate) {
    await client.activateUser(username);
    summary.activated.push(username);
  }
  for (const username of plan.suspend) {
    await client.suspendUser(username);
    summary.suspended.push(username);
  }
}

/** Create and patch groups as planned (members by user id, looked up when not created in this run). */
async function applyGroupChanges(
  client: CoderClient,
  plan: UsersPlan,
  organizationId: string,
  summary: UsersSummary,
  ids: Map<string, string>,
): Promise<void> {
  const idOf = async (username: string): Promise<string> => {
    const known = ids.get(lower(username));
    if (known) return known;
    const user = await client.user(username);
    if (!user)
      throw new ExternalError(
        'coder',
        'GET /api/v2/users/{user}',
        `user ${username} disappeared while users.yaml was being applied`,
        { nextSteps: ['Re-run; the diff is computed again.'] },
      );
    ids.set(lower(username), user.id);
    return user.id;
  };
  for (const change of plan.groups) {
    let groupId = change.groupId;
    if (change.create) {
      const group = await client.createGroup(organizationId, {
        name: change.group,
        ...(change.quotaAllowance === undefined ? {} : { quota_allowance: change.quotaAllowance }),
        ...(change.displayName === undefined ? {} : { display_name: change.displayName }),
      });
      groupId = group.id;
      summary.groupsCreated.push(change.group);
    }
    const add = await Promise.all(change.add.map(idOf));
    const remove = await Promise.all(change.remove.map(idOf));
    const meta = change.create
      ? {}
      : {
          ...(change.quotaAllowance === undefined ? {} : { quota_allowance: change.quotaAllowance }),
          ...(change.displayName === undefined ? {} : { display_name: change.displayName }),
        };
    if (add.length > 0 || remove.length > 0 || Object.keys(meta).length > 0) {
      await client.patchGroup(groupId!, {
        ...(add.length ? { add_users: add } : {}),
        ...(remove.length ? { remove_users: remove } : {}),
        ...meta,
      });
    }
    if (change.add.length) summary.membersAdded[change.group] = change.add;
    if (change.remove.length) summary.membersRemoved[change.group] = change.remove;
  }
}

export async function applyUsersPlan(
  client: CoderClient,
  plan: UsersPlan,
  options: { organizationId: string; host: EventHost },
): Promise<UsersSummary> {
  const { host, organizationId } = options;
  for (const username of plan.separationOfDuties) {
    host.emit({
      level: 'warn',
      code: 'USERS_SEPARATION_OF_DUTIES',
      message: `${username} holds both user-admin and template-admin; the design keeps these roles apart.`,
      data: { username },
    });
  }
  const summary: UsersSummary = {
    created: [],
    siteRolesUpdated: [],
    orgRolesUpdated: [],
    activated: [],
    suspended: [],
    unmanaged: plan.unmanaged,
    groupsCreated: [],
    membersAdded: {},
    membersRemoved: {},
    skippedGroups: plan.skippedGroups.map((g) => g.group),
    separationOfDuties: plan.separationOfDuties,
  };
  const ids = new Map<string, string>();

  await applyUserChanges(client, plan, organizationId, summary, ids);
  await applyGroupChanges(client, plan, organizationId, summary, ids);
  for (const skipped of plan.skippedGroups) {
    host.emit({
      level: 'warn',
      code: 'USERS_GROUP_SKIPPED',
      message: `Group ${skipped.group} not managed: ${skipped.reason}.`,
      data: { group: skipped.group },
    });
  }
  if (plan.unmanaged.length > 0) {
    host.emit({
      level: 'info',
      code: 'USERS_UNMANAGED',
      message: `${plan.unmanaged.length} Coder user(s) are not in users.yaml and were left active (run with --prune to suspend them).`,
      data: { usernames: plan.unmanaged },
    });
  }
  return summary;
}
