import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFromGlobals } from '../../src/config/from-globals.js';
import { ConfigError } from '../../src/errors.js';

describe('loadConfigFromGlobals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'globals-'));
  const path = join(dir, 'coder-platform.yaml');
  writeFileSync(
    path,
    'profile: scale-3000\naws:\n  region: eu-west-1\n  profile: from-file\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: a@example.com\n',
  );

  it('the file wins over the profile; --region and --aws-profile win over the file', async () => {
    const fileOnly = await loadConfigFromGlobals({ configPath: path, region: undefined, awsProfile: undefined });
    expect(fileOnly.config.aws).toMatchObject({ region: 'eu-west-1', profile: 'from-file' });
    expect(fileOnly.config.network.azCount).toBe(3);
    const flags = await loadConfigFromGlobals({ configPath: path, region: 'ap-southeast-2', awsProfile: 'ops' });
    expect(flags.config.aws).toMatchObject({ region: 'ap-southeast-2', profile: 'ops' });
  });

  it('a bad flag value is a ConfigError that says it came from a flag (no YAML line)', async () => {
    const error = await loadConfigFromGlobals({ configPath: path, region: 'mars-1', awsProfile: undefined }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const issue = (error as ConfigError).issues.find((i) => i.path === 'aws.region')!;
    expect(issue.message).toMatch(/set by a flag or CODER_PLATFORM_\* variable/);
    expect(issue.line).toBeUndefined();
  });

  it('a missing file is a ConfigError pointing at init', async () => {
    const error = await loadConfigFromGlobals({
      configPath: join(dir, 'nope.yaml'),
      region: undefined,
      awsProfile: undefined,
    }).catch((e: unknown) => e);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).issues[0]!.message).toBe('the file does not exist');
  });
});
