/** Shared fixtures for the day1 Coder API tests: config, an in-memory Secrets Manager, services. */
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretStore } from '../../src/aws/secrets.js';
import { parseConfigText } from '../../src/config/load.js';
import type { ConfigLayer } from '../../src/config/profiles.js';
import type { CoderPlatformConfig } from '../../src/config/schema.js';
import { coderClientFactory, type Day1CoderServices } from '../../src/phases/day1/coder-steps.js';
import type { FakeCoder } from './spec-server.js';

export function testConfig(overrides: ConfigLayer = {}): CoderPlatformConfig {
  return parseConfigText(
    [
      'apiVersion: coder-platform/v1',
      'profile: scale-3000',
      'deployment: { name: acme, environment: production }',
      'dns: { domain: example.com }',
      'coder: { admin: { email: ops@example.com, username: admin } }',
    ].join('\n'),
    undefined,
    overrides,
  );
}

/** A real SecretStore over a mocked SecretsManagerClient that keeps values in a Map. */
export function memorySecrets(
  initial: Record<string, string> = {},
  env: NodeJS.ProcessEnv = {},
): { store: SecretStore; values: Map<string, string>; calls: string[] } {
  const values = new Map(Object.entries(initial));
  const calls: string[] = [];
  const client = new SecretsManagerClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  mock.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
    calls.push(`get ${input.SecretId}`);
    const value = values.get(input.SecretId);
    if (value === undefined)
      throw new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: { httpStatusCode: 400 },
      });
    return { SecretString: value, Name: input.SecretId };
  });
  mock.on(CreateSecretCommand).callsFake((input: { Name: string; SecretString: string }) => {
    calls.push(`create ${input.Name}`);
    if (values.has(input.Name))
      throw new ResourceExistsException({
        message: `The operation failed because the secret ${input.Name} already exists.`,
        $metadata: { httpStatusCode: 400 },
      });
    values.set(input.Name, input.SecretString);
    return { Name: input.Name };
  });
  mock.on(PutSecretValueCommand).callsFake((input: { SecretId: string; SecretString: string }) => {
    calls.push(`put ${input.SecretId}`);
    values.set(input.SecretId, input.SecretString);
    return { Name: input.SecretId };
  });
  return { store: new SecretStore(client, env), values, calls };
}

export function servicesFor(
  fake: FakeCoder,
  config: CoderPlatformConfig,
  secrets: SecretStore,
  extra: Partial<Day1CoderServices> = {},
): Day1CoderServices {
  return {
    ...coderClientFactory({ baseUrl: fake.baseUrl, secrets, deployment: config.deployment.name }),
    secrets,
    deployment: config.deployment.name,
    config,
    templatePoll: { intervalMs: 5, timeoutMs: 5000 },
    ...extra,
  };
}

/** An unsigned license-shaped JWT (the fake, like coderd, reads `license_id` from its claims). */
export function licenseJwt(licenseId: string): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'EdDSA', typ: 'JWT' })}.${part({ license_id: licenseId, features: {} })}.c2lnbmF0dXJl`;
}
