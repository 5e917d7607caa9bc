/**
 * Two real processes of the built CLI race for one deployment whose state is on S3: an S3-compatible
 * server on 127.0.0.1 (the emulator, reached through the SDK's own AWS_ENDPOINT_URL_S3 setting) with S3's
 * precondition semantics. The process that wins the lock is held at its first journal write until the
 * other has exited, so the race is decided by the conditional write alone (no sleeps): exactly one
 * proceeds, the other exits 2 naming the holder (CI job, host, pid, command).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalData } from '../../src/engine/journal.js';
import { bin, root } from '../cli/helpers.js';
import { S3Emulator, startS3Server } from './s3-emulator.js';

const BUCKET = 'acme-coder-platform-state';
const CONFIG =
  'profile: mvp-500\ndeployment:\n  name: prod\naws:\n  region: eu-west-1\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: a@example.com\nstate:\n  backend: s3\n  bucket: acme-coder-platform-state\n';

interface Exit {
  pid: number;
  code: number | null;
  stderr: string;
  stdout: string;
}

function run(args: string[], env: NodeJS.ProcessEnv): { pid: number; done: Promise<Exit> } {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('CODER_PLATFORM_') && !k.startsWith('AWS_') && !k.startsWith('GITHUB_'),
    ),
  );
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...clean, NO_COLOR: '1', CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  return {
    pid: child.pid as number,
    done: new Promise((resolve) =>
      child.on('close', (code) => resolve({ pid: child.pid as number, code, stderr, stdout })),
    ),
  };
}

describe('two CLI processes racing for one deployment on S3', () => {
  const emulator = new S3Emulator();
  let server: Awaited<ReturnType<typeof startS3Server>>;
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));

  beforeAll(async () => {
    emulator.createBucket(BUCKET, 'eu-west-1');
    emulator.bucket(BUCKET).versioning = 'Enabled';
    // The lock holder's first journal write waits until the test lets it go.
    server = await startS3Server(emulator, async (method, key) => {
      if (method === 'PUT' && key === 'coder-platform/prod/journal.json') await held;
    });
  }, 120_000);
  afterAll(async () => {
    release();
    await server?.close();
  });

  it('exactly one proceeds; the other exits 2 with the holder’s details and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'race-'));
    writeFileSync(join(dir, 'coder-platform.yaml'), CONFIG);
    const env = {
      AWS_ENDPOINT_URL_S3: server.url,
      // Everything else (CloudFormation …) goes to the same server, which denies it: no real AWS is reachable.
      AWS_ENDPOINT_URL: server.url,
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
      AWS_SECRET_ACCESS_KEY: 'not-a-secret-emulator-key',
      AWS_REGION: 'eu-west-1',
      AWS_MAX_ATTEMPTS: '1',
    };
    const args = (n: string): string[] => [
      'day0',
      'destroy',
      '--yes',
      '--config',
      join(dir, 'coder-platform.yaml'),
      '--state-dir',
      join(dir, n),
    ];
    const a = run(args('laptop'), {
      ...env,
      GITHUB_RUN_ID: '4242',
      GITHUB_REPOSITORY: 'acme/platform',
      GITHUB_ACTOR: 'ci-bot',
      GITHUB_JOB: 'destroy',
    });
    const b = run(args('ci'), {
      ...env,
      GITHUB_RUN_ID: '4343',
      GITHUB_REPOSITORY: 'acme/platform',
      GITHUB_ACTOR: 'alice',
      GITHUB_JOB: 'destroy',
    });
    const first = await Promise.race([a.done, b.done]);
    release();
    const [ea, eb] = await Promise.all([a.done, b.done]);
    const loser = first;
    const winner = loser.pid === ea.pid ? eb : ea;

    expect(loser.code, loser.stderr).toBe(2);
    expect(loser.stderr).toMatch(
      /Deployment "prod" is locked by another run: github-actions acme\/platform run (4242|4343)/,
    );
    expect(loser.stderr).toContain(`on host ${hostname()}, pid ${winner.pid}, running \`coder-platform day0 destroy`);
    expect(loser.stderr).toContain(`s3://${BUCKET}/coder-platform/prod/lock.json`);
    // The winner ran its phase (its steps fail here: nothing but S3 is emulated) and released the lock.
    expect(winner.stderr).not.toMatch(/locked by another run/);
    const journal = JSON.parse(emulator.getObject(BUCKET, 'coder-platform/prod/journal.json').body) as JournalData;
    expect(journal.phases['day0-destroy']?.command).toContain('coder-platform day0 destroy');
    expect(emulator.current(BUCKET, 'coder-platform/prod/lock.json')).toBeUndefined();
    // Exactly one lock write succeeded (If-None-Match: *) and one was refused (412).
    const lockPuts = emulator.log.filter((l) => l.startsWith('PUT coder-platform/prod/lock.json If-None-Match:*'));
    expect(lockPuts.map((l) => l.split(' -> ')[1]).sort()).toEqual(['200', '412']);
    process.stdout.write(
      `\n--- transcript: the refused run (pid ${loser.pid}) ---\n${loser.stderr}\n--- S3 requests ---\n${emulator.log.join('\n')}\n`,
    );
  }, 120_000);

  it('state migrate uploads a local state once and refuses the second time; status on another machine reads it from the bucket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-'));
    writeFileSync(join(dir, 'coder-platform.yaml'), CONFIG);
    const local = join(dir, 'laptop');
    mkdirSync(join(local, 'reports'), { recursive: true });
    const journal: JournalData = {
      schemaVersion: 1,
      deployment: 'prod',
      updatedAt: '2026-01-01T00:00:00Z',
      phases: { preflight: { version: 1, status: 'succeeded', steps: { identity: { status: 'done', attempts: 1 } } } },
    };
    writeFileSync(join(local, 'journal.json'), JSON.stringify(journal));
    writeFileSync(join(local, 'reports', 'restore-1.md'), '# restore test\n');
    const env = {
      AWS_ENDPOINT_URL_S3: server.url,
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
      AWS_SECRET_ACCESS_KEY: 'not-a-secret-emulator-key',
      AWS_REGION: 'eu-west-1',
      CODER_PLATFORM_STATE_PREFIX: 'team-b/',
    };
    const cfg = ['--config', join(dir, 'coder-platform.yaml')];
    const first = await run(['state', 'migrate', '--json', ...cfg, '--state-dir', local], env).done;
    expect(first.code, first.stderr).toBe(0);
    expect(emulator.current(BUCKET, 'team-b/prod/reports/restore-1.md')?.body).toBe('# restore test\n');
    expect(emulator.current(BUCKET, 'team-b/prod/lock.json')).toBeUndefined();
    const second = await run(['state', 'migrate', ...cfg, '--state-dir', local], env).done;
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/s3:\/\/acme-coder-platform-state\/team-b\/prod\/ already holds a journal/);
    const status = await run(['status', '--json', ...cfg, '--state-dir', join(dir, 'ci-runner')], env).done;
    expect(status.code, status.stderr).toBe(0);
    const shown = JSON.parse(status.stdout) as { remote: string; phases: { name: string; status: string }[] };
    expect(shown.remote).toBe('s3://acme-coder-platform-state/team-b/prod/');
    expect(shown.phases.map((p) => `${p.name}:${p.status}`)).toEqual(['preflight:succeeded']);
  }, 120_000);
});
