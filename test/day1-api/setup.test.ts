import { afterEach, expect, it } from 'vitest';
import { secretNames } from '../../src/deployment/outputs.js';
import { RecordingHost } from '../../src/engine/host.js';
import type { Step, StepContext } from '../../src/engine/types.js';
import { CheckFailedError, UserError } from '../../src/errors.js';
import type { CoderClient } from '../../src/coder/client.js';
import { provisionerDaemonStatus } from '../../src/phases/day1/coder/setup.js';
import { coderSteps, type Day1CoderServices } from '../../src/phases/day1/coder-steps.js';
import { FakeCoder } from './spec-server.js';
import { licenseJwt, memorySecrets, servicesFor, testConfig } from './helpers.js';
import { describeUpstream } from '../upstream.js';

let fake: FakeCoder | undefined;
afterEach(async () => {
  expect(fake?.violations ?? []).toEqual([]);
  await fake?.stop();
  fake = undefined;
});

function ctx(services: Day1CoderServices, host = new RecordingHost()): StepContext<Day1CoderServices> {
  return { host, outputs: {}, services, signal: new AbortController().signal, attempt: 1 };
}
function step(services: Day1CoderServices, id: string): Step<Day1CoderServices> {
  const found = coderSteps(services.config).find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
}

describeUpstream('first-admin', () => {
  it('fresh deployment: creates the owner with a generated password kept only in Secrets Manager, logs in, stores the token', async () => {
    fake = await new FakeCoder().start();
    const config = testConfig();
    const secrets = memorySecrets();
    const services = servicesFor(fake, config, secrets.store);
    const s = step(services, 'first-admin');
    expect(await s.isDone!(ctx(services))).toBeUndefined();

    const host = new RecordingHost();
    const outputs = await s.run(ctx(services, host));
    const names = secretNames('acme');
    const password = secrets.values.get(names.adminPassword)!;
    expect(password.length).toBeGreaterThanOrEqual(24);
    expect(fake.users).toHaveLength(1);
    expect(fake.users[0]).toMatchObject({ email: 'ops@example.com', username: 'admin', password, roles: ['owner'] });
    expect(fake.tokens.has(secrets.values.get(names.sessionToken)!)).toBe(true);
    // A 90-day API token (in nanoseconds) is stored, not the 24-hour login session.
    expect(fake.apiTokens).toEqual([
      { name: expect.stringMatching(/^coder-platform-\d{14}$/), lifetimeNs: 7_776_000_000_000_000 },
    ]);
    expect(secrets.values.get(names.sessionToken)).toMatch(/^api-/);
    // The password was stored before the create call (a crash after creation can still log in).
    expect(secrets.calls.indexOf(`create ${names.adminPassword}`)).toBeLessThan(
      secrets.calls.indexOf(`create ${names.sessionToken}`),
    );
    expect(outputs).toMatchObject({
      owner: 'created',
      organizationId: fake.orgId,
      passwordSecret: names.adminPassword,
    });
    const visible = JSON.stringify([outputs, host.events]);
    expect(visible).not.toContain(password);
    expect(visible).not.toContain(secrets.values.get(names.sessionToken));
    // Now the probe sees a valid owner session.
    expect(await s.isDone!(ctx(services))).toMatchObject({ organizationId: fake.orgId, owner: 'existing' });
    expect(fake.count('POST', '/api/v2/users/first')).toBe(1);
  });

  it('falls back to the login session with a warning when Coder caps token lifetimes below 90 days', async () => {
    fake = await new FakeCoder({ maxTokenLifetimeNs: 7 * 86_400 * 1e9 }).start();
    const secrets = memorySecrets();
    const services = servicesFor(fake, testConfig(), secrets.store);
    const host = new RecordingHost();
    await step(services, 'first-admin').run(ctx(services, host));
    expect(secrets.values.get(secretNames('acme').sessionToken)).toMatch(/^tok-/);
    expect(host.events.find((e) => e.code === 'CODER_TOKEN_LIFETIME')?.level).toBe('warn');
  });

  it('already-initialized deployment without a stored password: a UserError that says how to provide credentials', async () => {
    fake = await new FakeCoder().start();
    fake.seedOwner('ops@example.com', 'admin');
    const config = testConfig();
    const services = servicesFor(fake, config, memorySecrets().store);
    const error = await step(services, 'first-admin')
      .run(ctx(services))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/already has an owner/);
    expect((error as UserError).nextSteps.join(' ')).toContain('acme/coder/admin-password');
    expect(fake.count('POST', '/api/v2/users/first')).toBe(0);
  });

  it('already-initialized deployment with an expired token: the probe says not done and the run logs in again', async () => {
    fake = await new FakeCoder().start();
    const names = secretNames('acme');
    fake.seedOwner('ops@example.com', 'admin', 'the-stored-owner-password-1234');
    const secrets = memorySecrets({
      [names.adminPassword]: 'the-stored-owner-password-1234',
      [names.sessionToken]: 'expired-token',
    });
    const services = servicesFor(fake, testConfig(), secrets.store);
    const s = step(services, 'first-admin');
    expect(await s.isDone!(ctx(services))).toBeUndefined();
    expect(await s.run(ctx(services))).toMatchObject({ owner: 'existing' });
    expect(secrets.values.get(names.sessionToken)).not.toBe('expired-token');
    expect(await s.isDone!(ctx(services))).toBeDefined();
  });
});

function overridesHaveLicense(overrides: object): boolean {
  return typeof (overrides as { coder?: { license?: unknown } }).coder?.license === 'string';
}

async function initialized(
  options: ConstructorParameters<typeof FakeCoder>[0] = {},
  overrides = {},
  env: NodeJS.ProcessEnv = {},
) {
  fake = await new FakeCoder(options).start();
  const names = secretNames('acme');
  const token = fake.seedOwner('ops@example.com', 'admin');
  if ((options.licenseFeatures ?? []).length > 0 && !overridesHaveLicense(overrides)) {
    fake.licenses.push({
      id: 99,
      uuid: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
      jwt: 'preinstalled',
      uploaded_at: new Date().toISOString(),
    });
  }
  const secrets = memorySecrets({ [names.sessionToken]: token }, env);
  const config = testConfig(overrides);
  return { fake, secrets, config, services: servicesFor(fake, config, secrets.store) };
}

describeUpstream('license', () => {
  it('two replicas without the high_availability entitlement fail plainly, with a warn event', async () => {
    const { services } = await initialized(
      { licenseFeatures: ['template_rbac'] },
      { coder: { license: 'env:CODER_LICENSE' } },
      { CODER_LICENSE: licenseJwt('2b5ad4a7-1c4e-4d8e-9c1e-0f3a9b7c6d11') },
    );
    const host = new RecordingHost();
    const error = await step(services, 'license')
      .run(ctx(services, host))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckFailedError);
    expect((error as Error).message).toMatch(/coder.replicas is 2.*no high_availability entitlement/);
    expect(host.events.find((e) => e.code === 'CODER_HA_NOT_ENTITLED')?.level).toBe('warn');
  });

  it('adds the license once and reports the entitlements as booleans', async () => {
    const jwt = licenseJwt('7e0c1f2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b');
    const { services, fake: f } = await initialized(
      { licenseFeatures: ['high_availability', 'template_rbac', 'external_provisioner_daemons'] },
      { coder: { license: 'env:CODER_LICENSE' } },
      { CODER_LICENSE: jwt },
    );
    const s = step(services, 'license');
    expect(await s.isDone!(ctx(services))).toBeUndefined();
    const host = new RecordingHost();
    const outputs = await s.run(ctx(services, host));
    expect(outputs).toEqual({
      hasLicense: true,
      highAvailability: true,
      externalProvisioners: true,
      templateRbac: true,
      advancedScheduling: false,
      licenseAdded: true,
    });
    expect(JSON.stringify([outputs, host.events])).not.toContain(jwt);
    expect(await s.isDone!(ctx(services))).toMatchObject({ highAvailability: true });
    expect(f.licenses).toHaveLength(1);
  });

  it('a license JWT without a license_id claim converges too: found by its claims, added once, a different one still added', async () => {
    const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const noId = (account: string) =>
      `${part({ alg: 'EdDSA', typ: 'JWT' })}.${part({ account_id: account, license_expires: 1893456000, features: { user_limit: 500 }, version: 3 })}.c2lnbmF0dXJl`;
    const env: NodeJS.ProcessEnv = { CODER_LICENSE: noId('acme-corp') };
    const { services, fake: f } = await initialized(
      { licenseFeatures: ['high_availability', 'template_rbac', 'external_provisioner_daemons'] },
      { coder: { license: 'env:CODER_LICENSE' } },
      env,
    );
    const s = step(services, 'license');
    expect(await s.isDone!(ctx(services))).toBeUndefined();
    expect(await s.run(ctx(services))).toMatchObject({ licenseAdded: true });
    // The step is done now (a lost journal does not add it again), and a forced re-run adds nothing.
    expect(await s.isDone!(ctx(services))).toMatchObject({ hasLicense: true });
    expect(await s.run(ctx(services))).toMatchObject({ licenseAdded: false });
    expect(f.licenses).toHaveLength(1);
    expect(f.count('POST', '/api/v2/licenses')).toBe(1);

    env.CODER_LICENSE = noId('other-corp'); // another license without an id is not mistaken for the first
    expect(await s.isDone!(ctx(services))).toBeUndefined();
    expect(await s.run(ctx(services))).toMatchObject({ licenseAdded: true });
    expect(f.licenses).toHaveLength(2);
  });
});

describeUpstream('provisioner-key', () => {
  it('creates the key once with the configured tags and hands its secret over through Secrets Manager only', async () => {
    const { services, secrets, fake: f } = await initialized({ licenseFeatures: ['external_provisioner_daemons'] });
    const s = step(services, 'provisioner-key');
    expect(await s.isDone!(ctx(services))).toBeUndefined();
    const outputs = await s.run(ctx(services));
    expect(f.keys).toEqual([
      expect.objectContaining({ name: 'external-provisioner-key', tags: { scope: 'organization' } }),
    ]);
    const stored = secrets.values.get(secretNames('acme').provisionerKey);
    expect(stored).toBe(f.keys[0]!.secret);
    expect(JSON.stringify(outputs)).not.toContain(stored);
    expect(await s.isDone!(ctx(services))).toMatchObject({ keyName: 'external-provisioner-key' });
    expect(await s.run(ctx(services))).toMatchObject({ action: 'existing' });
    expect(f.count('POST', '/api/v2/organizations/')).toBe(1);
  });

  it('without the external_provisioner_daemons entitlement: a plain failure before any key is created', async () => {
    const { services, fake: f } = await initialized({ licenseFeatures: ['template_rbac'] });
    const error = await step(services, 'provisioner-key')
      .run(ctx(services))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckFailedError);
    expect((error as Error).message).toMatch(/external_provisioner_daemons/);
    expect(f.keys).toEqual([]);
  });

  it('recreates a key whose secret was lost (Coder shows a key only once)', async () => {
    const { services, secrets, fake: f } = await initialized({ licenseFeatures: ['external_provisioner_daemons'] });
    await step(services, 'provisioner-key').run(ctx(services));
    const first = f.keys[0]!.secret;
    secrets.values.delete(secretNames('acme').provisionerKey);
    expect(await step(services, 'provisioner-key').isDone!(ctx(services))).toBeUndefined();
    expect(await step(services, 'provisioner-key').run(ctx(services))).toMatchObject({ action: 'recreated' });
    expect(f.keys).toHaveLength(1);
    expect(f.keys[0]!.secret).not.toBe(first);
    expect(secrets.values.get(secretNames('acme').provisionerKey)).toBe(f.keys[0]!.secret);
  });
});

describeUpstream('provisioner daemons', () => {
  it('counts the daemons connected with the key and names those on another version than coderd', async () => {
    const { services, fake: f } = await initialized({
      daemons: [{ scope: 'organization' }, { scope: 'organization' }],
      daemonVersion: 'v2.35.1+abcdef0',
      licenseFeatures: ['external_provisioner_daemons'],
    });
    await step(services, 'provisioner-key').run(ctx(services));
    const client: CoderClient = await services.coder();
    const status = await provisionerDaemonStatus(client, f.orgId, 'external-provisioner-key');
    expect(status).toEqual({ connected: 2, versionMismatch: ['prov-0', 'prov-1'] });
    expect(await provisionerDaemonStatus(client, f.orgId, 'another-key')).toEqual({
      connected: 0,
      versionMismatch: [],
    });
  });
});
