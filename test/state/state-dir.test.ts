/**
 * A state directory serves one configuration: `owner.json` records the file, region and account; a second
 * configuration with the same deployment name is refused (exit 2) before anything is written, through the
 * real `plan` command; a directory from before the record is adopted.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Plan from '../../src/commands/plan.js';
import Status from '../../src/commands/status.js';
import { UserError } from '../../src/errors.js';
import { claimStateDir, OWNER_FILE, readOwner } from '../../src/engine/state-dir.js';
import { projectRoot, tempDir } from '../engine/helpers.js';

const yaml = (name: string, region = 'us-east-1'): string =>
  `apiVersion: coder-platform/v1\nprofile: mvp-500\ndeployment:\n  name: ${name}\naws:\n  region: ${region}\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n`;

describe('claimStateDir', () => {
  it('records the owner, accepts it again, and refuses another existing config, region or account', async () => {
    const dir = tempDir('state-');
    const stateDir = join(dir, '.coder-platform', 'coder');
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    writeFileSync(a, yaml('coder'));
    writeFileSync(b, yaml('coder'));
    const base = { stateDir, deployment: 'coder', region: 'us-east-1', write: true };

    // a dry run / read-only command only checks: nothing is written
    await claimStateDir({ ...base, configPath: a, write: false });
    expect(existsSync(join(stateDir, OWNER_FILE))).toBe(false);

    await claimStateDir({ ...base, configPath: a });
    expect(await readOwner(stateDir)).toEqual({ configPath: a, deployment: 'coder', region: 'us-east-1' });
    await claimStateDir({ ...base, configPath: a, accountId: '111122223333' });
    expect((await readOwner(stateDir))?.accountId).toBe('111122223333');
    await claimStateDir({ ...base, configPath: a }); // the account stays known

    const other = await claimStateDir({ ...base, configPath: b }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(UserError);
    expect((other as UserError).exitCode).toBe(2);
    expect((other as UserError).message).toMatch(/belongs to .*a\.yaml/);
    expect((other as UserError).nextSteps.join(' ')).toMatch(/deployment\.name[\s\S]*--state-dir/);
    await expect(claimStateDir({ ...base, configPath: a, region: 'eu-west-1' })).rejects.toThrow(
      /serves region us-east-1/,
    );
    await expect(claimStateDir({ ...base, configPath: a, accountId: '999988887777' })).rejects.toThrow(
      /serves account 111122223333/,
    );
    expect((await readOwner(stateDir))?.configPath).toBe(a); // refusals change nothing

    // the recorded file is gone (the project moved): the new one takes the directory over
    rmSync(a);
    await claimStateDir({ ...base, configPath: b });
    expect((await readOwner(stateDir))?.configPath).toBe(b);
  });

  it('adopts a state directory from before the record, keeping its journal', async () => {
    const dir = tempDir('state-');
    const stateDir = join(dir, 'old');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'journal.json'), '{"version":1,"phases":{}}');
    writeFileSync(join(dir, 'c.yaml'), yaml('coder'));
    await claimStateDir({
      stateDir,
      configPath: join(dir, 'c.yaml'),
      deployment: 'coder',
      region: 'us-east-1',
      write: true,
    });
    expect((await readOwner(stateDir))?.configPath).toBe(join(dir, 'c.yaml'));
    expect(readFileSync(join(stateDir, 'journal.json'), 'utf8')).toContain('phases');
  });
});

describe('two configs with the same deployment name in one directory', () => {
  const cwd = process.cwd();
  afterEach(() => {
    process.chdir(cwd);
    vi.restoreAllMocks();
  });

  it('status of the second is refused (exit 2) with what to do; --state-dir gives it its own', async () => {
    const dir = tempDir('state-');
    writeFileSync(join(dir, 'prod.yaml'), yaml('coder'));
    writeFileSync(join(dir, 'staging.yaml'), yaml('coder', 'us-west-2'));
    mkdirSync(join(dir, '.coder-platform', 'coder'), { recursive: true });
    process.chdir(dir);
    await claimStateDir({
      stateDir: join(dir, '.coder-platform', 'coder'),
      configPath: 'prod.yaml',
      deployment: 'coder',
      region: 'us-east-1',
      write: true,
    });
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += c.toString()), true));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await Status.run(['--config', 'staging.yaml'], projectRoot).catch(() => undefined);
    expect(process.exitCode).toBe(2);
    expect(err).toMatch(/belongs to prod\.yaml/);
    expect(err).toMatch(/--state-dir/);
    // plan would overwrite prod's cdk.out and diagram: refused before it synthesizes anything
    process.exitCode = 0;
    err = '';
    await Plan.run(['--config', 'staging.yaml'], projectRoot).catch(() => undefined);
    expect(process.exitCode).toBe(2);
    expect(err).toMatch(/belongs to prod\.yaml/);
    expect(existsSync(join(dir, '.coder-platform', 'coder', 'cdk.out'))).toBe(false);
    process.exitCode = 0;
    await Status.run(['--config', 'staging.yaml', '--state-dir', '.coder-platform/coder-staging'], projectRoot);
    expect(process.exitCode).toBe(0);
  });
});
