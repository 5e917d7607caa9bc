/** The `state` config section and its flags / CODER_PLATFORM_STATE_* variables (flag > env > file). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { s3StateLocation } from '../../src/aws/s3-object-store.js';
import { loadConfigFromGlobals } from '../../src/config/from-globals.js';
import { ConfigError } from '../../src/errors.js';

const base =
  'profile: mvp-500\ndeployment:\n  name: prod\naws:\n  region: eu-west-1\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: a@example.com\n';

function file(extra: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'state-config-'));
  const path = join(dir, 'coder-platform.yaml');
  writeFileSync(path, base + extra);
  return path;
}

const none = { region: undefined, awsProfile: undefined };

describe('state section', () => {
  it('defaults to the local backend', async () => {
    const { config } = await loadConfigFromGlobals({ configPath: file(''), ...none });
    expect(config.state).toMatchObject({ backend: 'local', prefix: 'coder-platform/', encryption: 'aws:kms' });
    expect(s3StateLocation(config)).toBeUndefined();
  });

  it('s3 without a bucket is an error naming state.bucket, its line and an example', async () => {
    const error = await loadConfigFromGlobals({ configPath: file('state:\n  backend: s3\n'), ...none }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const issue = (error as ConfigError).issues.find((i) => i.path === 'state.bucket');
    expect(issue?.message).toMatch(/required when state.backend is s3, e.g. bucket: acme-coder-platform-state/);
    expect((error as ConfigError).exitCode).toBe(2);
  });

  it('the file selects s3; the bucket is under <prefix><name>/ in aws.region unless state.region says otherwise', async () => {
    const { config } = await loadConfigFromGlobals({
      configPath: file('state:\n  backend: s3\n  bucket: acme-state\n'),
      ...none,
    });
    expect(s3StateLocation(config)).toEqual({
      bucket: 'acme-state',
      keyPrefix: 'coder-platform/prod/',
      region: 'eu-west-1',
    });
  });

  it('--state-* flags (CODER_PLATFORM_STATE_* variables) win over the file', async () => {
    const { config } = await loadConfigFromGlobals({
      configPath: file('state:\n  backend: local\n  bucket: from-file\n'),
      ...none,
      stateBackend: 's3',
      stateBucket: 'from-flag',
      statePrefix: 'teams/',
      stateRegion: 'us-east-2',
    });
    expect(s3StateLocation(config)).toEqual({ bucket: 'from-flag', keyPrefix: 'teams/prod/', region: 'us-east-2' });
  });

  it('a bad bucket name from a flag is a ConfigError for state.bucket', async () => {
    const error = await loadConfigFromGlobals({
      configPath: file(''),
      ...none,
      stateBackend: 's3',
      stateBucket: 'Bad_Bucket',
    }).catch((e: unknown) => e);
    expect(
      (error as ConfigError).issues.some((i) => i.path === 'state.bucket' && /S3 bucket name/.test(i.message)),
    ).toBe(true);
  });
});

describe('resume command', () => {
  it('repeats the state backend flags, so a resumed run finds the same journal', async () => {
    const { resumeCommandFor } = await import('../../src/engine/execute.js');
    const cmd = resumeCommandFor('coder-platform day1', {
      configPath: 'c.yaml',
      stateDir: undefined,
      awsProfile: undefined,
      region: undefined,
      stateBackend: 's3',
      stateBucket: 'acme-state',
      statePrefix: 'team a/',
    });
    expect(cmd).toBe(
      "coder-platform day1 --config c.yaml --state-backend s3 --state-bucket acme-state --state-prefix 'team a/'",
    );
  });
});
