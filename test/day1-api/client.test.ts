import { afterEach, describe, expect, it } from 'vitest';
import { CoderApiError, CoderClient } from '../../src/coder/client.js';
import { FakeCoder } from './spec-server.js';
import { itUpstream } from '../upstream.js';

let fake: FakeCoder | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

describe('CoderClient against the swagger-validating fake', () => {
  itUpstream('walks a fresh deployment: first user 404 → create → login → me, all requests on spec', async () => {
    fake = await new FakeCoder().start();
    const anonymous = new CoderClient({ baseUrl: fake.baseUrl });
    expect(await anonymous.healthz()).toBe(true);
    expect((await anonymous.buildInfo()).version).toBe('v2.36.0+e751b28');
    expect(await anonymous.firstUserExists()).toBe(false);
    const created = await anonymous.createFirstUser({
      email: 'ops@example.com',
      username: 'admin',
      password: 'a-very-long-generated-password-123',
    });
    expect(created?.organization_id).toBe(fake.orgId);
    expect(await anonymous.firstUserExists()).toBe(true);
    expect(
      await anonymous.createFirstUser({
        email: 'ops@example.com',
        username: 'admin',
        password: 'a-very-long-generated-password-123',
      }),
    ).toBeUndefined();
    const token = await anonymous.login('ops@example.com', 'a-very-long-generated-password-123');
    const me = await anonymous.withToken(token).me();
    expect(me.roles?.map((r) => r.name)).toContain('owner');
    expect(fake.violations).toEqual([]);
  });

  itUpstream('the fake rejects a body property the spec does not declare (strict mode can fail)', async () => {
    fake = await new FakeCoder().start();
    const response = await fetch(`${fake.baseUrl}/api/v2/users/first`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'a@example.com', username: 'admin', password: 'x'.repeat(20), passwrd: 'typo' }),
    });
    expect(response.status).toBe(400);
    expect(fake.violations.join('\n')).toMatch(/body\.passwrd is not declared/);
  });

  itUpstream('turns a 401 into an ExternalError that says the session token expired and what to do', async () => {
    fake = await new FakeCoder().start();
    fake.seedOwner();
    const client = new CoderClient({ baseUrl: fake.baseUrl, sessionToken: 'expired-token' });
    const error = await client.entitlements().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoderApiError);
    const apiError = error as CoderApiError;
    expect(apiError.status).toBe(401);
    expect(apiError.operation).toBe('GET /api/v2/entitlements');
    expect(apiError.message).toMatch(/session token expired or invalid/);
    expect(apiError.nextSteps.join(' ')).toMatch(/first-admin/);
    expect(fake.violations).toEqual([]);
  });

  it('an unreachable server: healthz is false, other calls fail with the access URL and a next step', async () => {
    const client = new CoderClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
    expect(await client.healthz()).toBe(false);
    const error = await client.buildInfo().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoderApiError);
    expect((error as CoderApiError).message).toMatch(/http:\/\/127\.0\.0\.1:9 could not be reached/);
    expect((error as CoderApiError).nextSteps.join(' ')).toMatch(/healthz/);
  });
});
