import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { CoderClient } from '../../src/coder/client.js';
import { RecordingHost } from '../../src/engine/host.js';
import { ConfigError } from '../../src/errors.js';
import { applyUsersPlan, planIsEmpty, planUsers } from '../../src/phases/day1/users/apply.js';
import { parseUsersFile, renderUsersJsonSchema } from '../../src/phases/day1/users/schema.js';
import { FakeCoder } from './spec-server.js';
import { describeUpstream } from '../upstream.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const USERS = `apiVersion: coder-platform/users/v1
users:
  - { username: alice, email: alice@example.com, name: Alice, siteRoles: [template-admin] }
  - { username: bob, email: bob@example.com, orgRoles: [organization-auditor] }
  - { username: carol, email: carol@example.com, loginType: password }
  - { username: dave, email: dave@example.com, siteRoles: [user-admin, template-admin] }
  - { username: admin, email: ops@example.com, siteRoles: [auditor] }
groups:
  - { name: developers, displayName: Developers, members: [alice, bob], quotaAllowance: 10 }
  - { name: coder-template-owners, members: [alice] }
`;

describe('users.yaml schema', () => {
  it('reports every problem with its line, including members not listed as users', () => {
    const text = `apiVersion: coder-platform/users/v1
users:
  - { username: "bad name", email: not-an-email }
  - { username: ok, email: ok@example.com, siteRoles: [root] }
groups:
  - { name: devs, members: [ghost] }
`;
    let error: unknown;
    try {
      parseUsersFile(text, 'users.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['users[0].username', 'users[0].email', 'users[1].siteRoles[0]', 'groups[0].members[0]']),
    );
    expect(issues.find((i) => i.path === 'groups[0].members[0]')).toMatchObject({
      line: 6,
      message: 'ghost is not listed under users',
    });
  });

  it('schema/users.schema.json is the generated one and accepts a valid file and rejects a bad one', async () => {
    const committed = await readFile(path.join(root, 'schema', 'users.schema.json'), 'utf8');
    expect(committed).toBe(renderUsersJsonSchema());
    const validate = new Ajv({ strict: false }).compile(JSON.parse(committed) as object);
    const { parse } = await import('yaml');
    expect(validate(parse(USERS))).toBe(true);
    expect(
      validate({ apiVersion: 'coder-platform/users/v1', users: [{ username: 'x', email: 'x@example.com', extra: 1 }] }),
    ).toBe(false);
  });
});

describeUpstream('users diff against the fake coderd', () => {
  let fake: FakeCoder | undefined;
  afterEach(async () => {
    expect(fake?.violations ?? []).toEqual([]);
    await fake?.stop();
    fake = undefined;
  });

  it('creates users, sets roles, creates groups and diffs members; a second plan is empty', async () => {
    fake = await new FakeCoder({ licenseFeatures: ['template_rbac'] }).start();
    const client = new CoderClient({ baseUrl: fake.baseUrl, sessionToken: fake.seedOwner('ops@example.com', 'admin') });
    fake.licenses.push({
      id: 1,
      uuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
      jwt: 'x',
      uploaded_at: new Date().toISOString(),
    });
    // Existing state: alice exists as a plain member, erin is not in the file, developers has erin.
    const alice = fake.addUser({ email: 'alice@example.com', username: 'alice' });
    const erin = fake.addUser({ email: 'erin@example.com', username: 'erin' });
    fake.groups.push({
      id: '5d1f7e33-2f7e-4d7b-9d0a-6b1b4c3e2a10',
      name: 'developers',
      display_name: '',
      quota_allowance: 0,
      members: [alice.id, erin.id],
      source: 'user',
    });
    const file = parseUsersFile(USERS, 'users.yaml');
    const options = { organizationId: fake.orgId, prune: false, templateRbac: true, protectedUsernames: ['admin'] };

    const plan = await planUsers(client, file, options);
    expect(plan.create.map((u) => u.username)).toEqual(['bob', 'carol', 'dave']);
    expect(plan.siteRoles).toEqual([
      { username: 'alice', from: [], to: ['template-admin'] },
      // the protected owner keeps `owner` although the file lists it only as auditor
      { username: 'admin', from: ['owner'], to: ['auditor', 'owner'] },
    ]);
    expect(plan.unmanaged).toEqual(['erin']);
    expect(plan.suspend).toEqual([]);
    expect(plan.separationOfDuties).toEqual(['dave']);
    expect(plan.groups).toEqual([
      {
        group: 'developers',
        create: false,
        groupId: '5d1f7e33-2f7e-4d7b-9d0a-6b1b4c3e2a10',
        add: ['bob'],
        remove: ['erin'],
        quotaAllowance: 10,
        displayName: 'Developers',
      },
      { group: 'coder-template-owners', create: true, add: ['alice'], remove: [] },
    ]);

    const host = new RecordingHost();
    const summary = await applyUsersPlan(client, plan, { organizationId: fake.orgId, host });
    expect(summary).toMatchObject({
      created: ['bob', 'carol', 'dave'],
      siteRolesUpdated: ['alice', 'admin'],
      orgRolesUpdated: ['bob'],
      groupsCreated: ['coder-template-owners'],
      membersAdded: { developers: ['bob'], 'coder-template-owners': ['alice'] },
      membersRemoved: { developers: ['erin'] },
      separationOfDuties: ['dave'],
    });
    expect(host.events.filter((e) => e.code === 'USERS_SEPARATION_OF_DUTIES').map((e) => e.data?.username)).toEqual([
      'dave',
    ]);
    const byName = (n: string) => fake!.users.find((u) => u.username === n)!;
    expect(byName('alice').roles).toEqual(['template-admin']);
    expect(byName('bob').orgRoles).toEqual(['organization-auditor']);
    expect(byName('carol').login_type).toBe('password');
    const developers = fake.groups.find((g) => g.name === 'developers')!;
    expect(developers.members.map((id) => fake!.users.find((u) => u.id === id)!.username).sort()).toEqual([
      'alice',
      'bob',
    ]);
    expect(developers.quota_allowance).toBe(10);
    expect(developers.display_name).toBe('Developers');
    expect(byName('erin').status).toBe('active');

    expect(planIsEmpty(await planUsers(client, file, options))).toBe(true);
    // Only with prune are unlisted users suspended, and never the protected owner.
    const pruned = await planUsers(client, file, { ...options, prune: true });
    expect(pruned.suspend).toEqual(['erin']);
    await applyUsersPlan(client, pruned, { organizationId: fake.orgId, host: new RecordingHost() });
    expect(byName('erin').status).toBe('suspended');
    expect(byName('admin').status).toBe('active');
  });

  it('skips groups without the template_rbac entitlement and leaves IdP-synced groups alone', async () => {
    fake = await new FakeCoder().start();
    const client = new CoderClient({ baseUrl: fake.baseUrl, sessionToken: fake.seedOwner() });
    const file = parseUsersFile(USERS, 'users.yaml');
    const plan = await planUsers(client, file, {
      organizationId: fake.orgId,
      prune: false,
      templateRbac: false,
      protectedUsernames: [],
    });
    expect(plan.groups).toEqual([]);
    expect(plan.skippedGroups.map((g) => g.group)).toEqual(['developers', 'coder-template-owners']);

    fake.groups.push({
      id: '9a7b3c1d-0e2f-4a5b-8c6d-7e8f9a0b1c2d',
      name: 'developers',
      display_name: '',
      quota_allowance: 0,
      members: [],
      source: 'oidc',
    });
    const synced = await planUsers(client, file, {
      organizationId: fake.orgId,
      prune: false,
      templateRbac: true,
      protectedUsernames: [],
    });
    expect(synced.skippedGroups).toEqual([{ group: 'developers', reason: expect.stringMatching(/identity provider/) }]);
  });
});
