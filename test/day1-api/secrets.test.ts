/**
 * Sentinel secrets passed through the day1 Coder steps (admin password, license JWT, OIDC client secret,
 * and the session token and provisioner key Coder hands out) never appear in events, step outputs,
 * errors, the phase result or the state directory.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSecretReference } from '../../src/aws/secrets.js';
import { secretNames } from '../../src/deployment/outputs.js';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import { UserError } from '../../src/errors.js';
import { coderSteps } from '../../src/phases/day1/coder-steps.js';
import { FakeCoder } from './spec-server.js';
import { licenseJwt, memorySecrets, servicesFor, testConfig } from './helpers.js';
import { itUpstream } from '../upstream.js';

let fake: FakeCoder | undefined;
let dir: string | undefined;
afterEach(async () => {
  expect(fake?.violations ?? []).toEqual([]);
  await fake?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  fake = undefined;
  dir = undefined;
});

async function allFiles(root: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    text += entry.isDirectory() ? await allFiles(full) : await readFile(full, 'utf8');
  }
  return text;
}

describe('secrets never leak from the day1 Coder steps', () => {
  itUpstream('a failing and then a succeeding run on a fresh deployment', async () => {
    const ADMIN = 'SENTINEL-admin-password-7f3a9c2e41';
    const OIDC = 'SENTINEL-oidc-client-secret-55aa';
    const LICENSE = licenseJwt('3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a99');
    fake = await new FakeCoder({
      daemons: [{ scope: 'organization' }],
      licenseFeatures: ['template_rbac', 'external_provisioner_daemons'],
    }).start();
    dir = await mkdtemp(path.join(tmpdir(), 'day1-secrets-'));
    const stateDir = path.join(dir, 'state');
    const usersFile = path.join(dir, 'users.yaml');
    await writeFile(
      usersFile,
      'apiVersion: coder-platform/users/v1\nusers:\n  - { username: alice, email: alice@example.com }\ngroups:\n  - { name: developers, members: [alice] }\n',
    );
    const secrets = memorySecrets(
      { [secretNames('acme').adminPassword]: ADMIN },
      { CODER_LICENSE: LICENSE, OIDC_SECRET: OIDC },
    );
    const overrides = {
      coder: {
        license: 'env:CODER_LICENSE',
        oidc: { issuerUrl: 'https://idp.example.com', clientId: 'coder', clientSecret: 'env:OIDC_SECRET' },
      },
      users: { file: 'users.yaml' },
    };
    const host = new RecordingHost();
    const runWith = async (replicas: number) => {
      const config = testConfig({ ...overrides, coder: { ...overrides.coder, replicas } });
      return runPhase(
        { name: 'day1', version: 1, steps: coderSteps(config) },
        servicesFor(fake!, config, secrets.store, { usersFile }),
        {
          deployment: 'acme',
          stateDir,
          command: 'coder-platform day1',
          host,
        },
      );
    };

    const failed = await runWith(2); // no high_availability entitlement → the license step fails
    expect(failed.status).toBe('failed');
    expect(failed.steps.find((s) => s.id === 'license')?.error).toMatch(/high_availability/);
    const succeeded = await runWith(1);
    expect(succeeded.status).toBe('succeeded');
    expect(fake.users.map((u) => u.username).sort()).toEqual(['admin', 'alice']);
    expect(fake.users.find((u) => u.username === 'admin')?.password).toBe(ADMIN);

    const token = secrets.values.get(secretNames('acme').sessionToken)!;
    const provisionerKey = secrets.values.get(secretNames('acme').provisionerKey)!;
    expect(token).toBeTruthy();
    expect(provisionerKey).toBeTruthy();
    const visible = [
      JSON.stringify(host.events),
      JSON.stringify(failed),
      JSON.stringify(succeeded),
      await allFiles(stateDir),
    ].join('\n');
    for (const secret of [ADMIN, OIDC, LICENSE, token, provisionerKey]) expect(visible).not.toContain(secret);
    expect(visible).toContain('acme/coder/admin-password'); // names of secrets are fine, values are not
  });

  it('a literal secret where a reference belongs is refused without echoing it', () => {
    const literal = 'hunter2-super-secret-value';
    let error: unknown;
    try {
      parseSecretReference(literal);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).not.toContain(literal);
  });
});
