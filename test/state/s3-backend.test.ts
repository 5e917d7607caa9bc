/**
 * The s3 state backend through the real SDK (S3Client mocked at the SDK level by an emulator with S3's
 * precondition semantics): the lock's conditional create and its races, stale locks and --break-lock,
 * the journal's If-Match writes and their merge, a whole phase run, migration, and no secret in the bucket.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../src/aws/s3-object-store.js';
import { RecordingHost } from '../../src/engine/host.js';
import { readJournal, type JournalData } from '../../src/engine/journal.js';
import { acquireRemoteLock, REMOTE_LOCK_KEY } from '../../src/engine/remote-lock.js';
import { migrateLocalState, RemoteJournalWriter } from '../../src/engine/remote-state.js';
import { runPhase } from '../../src/engine/run-phase.js';
import type { Phase } from '../../src/engine/types.js';
import { UserError } from '../../src/errors.js';
import { tempDir } from '../engine/helpers.js';
import { S3Emulator } from './s3-emulator.js';
import { installS3Mock } from './s3-mock.js';

const BUCKET = 'acme-coder-platform-state';
const PREFIX = 'coder-platform/demo/';
let emulator: S3Emulator;
let mock: ReturnType<typeof installS3Mock>;

function store(): S3ObjectStore {
  return new S3ObjectStore(new S3Client({ region: 'eu-west-1' }), {
    bucket: BUCKET,
    keyPrefix: PREFIX,
    region: 'eu-west-1',
  });
}

function journal(phases: JournalData['phases']): JournalData {
  return { schemaVersion: 1, deployment: 'demo', updatedAt: new Date(0).toISOString(), phases };
}

function remoteJournal(): JournalData {
  return JSON.parse(emulator.getObject(BUCKET, `${PREFIX}journal.json`).body) as JournalData;
}

beforeEach(() => {
  emulator = new S3Emulator();
  emulator.createBucket(BUCKET, 'eu-west-1');
  emulator.bucket(BUCKET).versioning = 'Enabled';
  mock = installS3Mock(emulator);
});
afterEach(() => mock.restore());

describe('the S3 lock', () => {
  it('of two runs racing for the lock exactly one gets it; the other is refused with the holder (409 then 412)', async () => {
    const gate = emulator.gate(`${PREFIX}${REMOTE_LOCK_KEY}`);
    const env = {
      GITHUB_RUN_ID: '4242',
      GITHUB_REPOSITORY: 'acme/platform',
      GITHUB_ACTOR: 'ci-bot',
      GITHUB_JOB: 'deploy',
    };
    const a = acquireRemoteLock({ store: store(), deployment: 'demo', command: 'coder-platform day2 upgrade', env });
    const b = acquireRemoteLock({
      store: store(),
      deployment: 'demo',
      command: 'coder-platform day2 restore-test',
      env: {},
    });
    await gate.arrived;
    gate.open();
    const [ra, rb] = await Promise.allSettled([a, b]);
    const won = [ra, rb].filter((r) => r.status === 'fulfilled');
    const lost = [ra, rb].filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const error = (lost[0] as PromiseRejectedResult).reason as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(/is locked by another run/);
    expect(error.message).toContain(`host ${hostname()}, pid ${process.pid}`);
    expect(error.message).toMatch(/since \d{4}-\d\d-\d\dT.*lock expires \d{4}-/);
    // S3's race semantics: the write that was in flight when the other committed got 409, then 412 on retry.
    expect(emulator.log.filter((l) => l.startsWith(`PUT ${PREFIX}lock.json`)).map((l) => l.split(' -> ')[1])).toEqual([
      '200',
      '409',
      '412',
    ]);
    const holder = JSON.parse(emulator.getObject(BUCKET, `${PREFIX}lock.json`).body) as {
      command: string;
      ciJob?: string;
    };
    expect(error.message).toContain(holder.command);
    if (holder.ciJob !== undefined) expect(error.message).toContain('github-actions acme/platform run 4242');
  });

  it('releases with a conditional delete and leaves a lock someone else took over', async () => {
    const lock = await acquireRemoteLock({ store: store(), deployment: 'demo', command: 'a' });
    await lock.release();
    expect(emulator.current(BUCKET, `${PREFIX}lock.json`)).toBeUndefined();
    expect(emulator.log.at(-1)).toMatch(/^DELETE coder-platform\/demo\/lock\.json If-Match:"[0-9a-f]+" -> 204$/);

    const mine = await acquireRemoteLock({ store: store(), deployment: 'demo', command: 'a' });
    await emulator.putObject(BUCKET, `${PREFIX}lock.json`, JSON.stringify({ ...mine.info, id: 'other', command: 'b' }));
    await mine.release();
    expect(emulator.current(BUCKET, `${PREFIX}lock.json`)?.body).toContain('"other"');
  });

  it('reports a stale lock with its owner and breaks it only with --break-lock, on its ETag', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const clock = (): number => now;
    await acquireRemoteLock({
      store: store(),
      deployment: 'demo',
      command: 'coder-platform day0 deploy',
      now: clock,
      ttlMs: 60_000,
      pidAlive: () => true,
    });
    await expect(
      acquireRemoteLock({ store: store(), deployment: 'demo', command: 'x', now: clock, pidAlive: () => true }),
    ).rejects.toThrow(/locked by another run/);
    now += 61_000;
    const stale = await acquireRemoteLock({
      store: store(),
      deployment: 'demo',
      command: 'x',
      now: clock,
      pidAlive: () => true,
    }).catch((e: unknown) => e);
    expect((stale as Error).message).toMatch(
      /has a stale lock: .*running `coder-platform day0 deploy`.*expired at 2026-01-01T00:01:00/,
    );
    expect((stale as UserError).nextSteps.join(' ')).toContain('--break-lock');
    const host = new RecordingHost();
    const taken = await acquireRemoteLock({
      store: store(),
      deployment: 'demo',
      command: 'x',
      now: clock,
      pidAlive: () => true,
      breakLock: true,
      host,
    });
    expect(taken.info.command).toBe('x');
    expect(host.events.some((e) => e.code === 'ENGINE_LOCK_BROKEN' && /day0 deploy/.test(e.message))).toBe(true);
    expect(emulator.log.some((l) => /^DELETE .*lock\.json If-Match:"[0-9a-f]+" -> 204$/.test(l))).toBe(true);
  });

  it('a lock whose process is gone on this host is stale before it expires', async () => {
    await acquireRemoteLock({ store: store(), deployment: 'demo', command: 'old', pidAlive: () => true });
    const error = await acquireRemoteLock({
      store: store(),
      deployment: 'demo',
      command: 'new',
      pidAlive: () => false,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/stale lock.*no longer running/);
  });

  it('a renewal after a takeover fails clearly instead of stealing the lock back', async () => {
    const lock = await acquireRemoteLock({ store: store(), deployment: 'demo', command: 'a' });
    await lock.renew();
    await emulator.putObject(BUCKET, `${PREFIX}lock.json`, JSON.stringify({ ...lock.info, id: 'intruder' }));
    await expect(lock.renew()).rejects.toThrow(/taken over by another run/);
    expect(await lock.stillHeld()).toBe(false);
  });
});

describe('the journal on S3', () => {
  it('two writers racing on the ETag both land: the loser re-reads, merges by phase and retries (no entry lost)', async () => {
    const s = store();
    const a = new RemoteJournalWriter(s, undefined, ['day2-upgrade']);
    const b = new RemoteJournalWriter(s, undefined, ['day2-restore-test']);
    const rec = (status: 'running' | 'succeeded') => ({ version: 1, status, steps: {} });
    const gate = emulator.gate(`${PREFIX}journal.json`);
    const pa = a.push(journal({ 'day2-upgrade': rec('running') }));
    const pb = b.push(journal({ 'day2-restore-test': rec('running') }));
    await gate.arrived;
    gate.open();
    await Promise.all([pa, pb]);
    expect(Object.keys(remoteJournal().phases).sort()).toEqual(['day2-restore-test', 'day2-upgrade']);
    // Many more interleaved writes from both: every phase's last record survives.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i += 1) {
      writes.push(a.push(journal({ 'day2-upgrade': { ...rec('running'), command: `a${i}` } })));
      writes.push(b.push(journal({ 'day2-restore-test': { ...rec('running'), command: `b${i}` } })));
    }
    await Promise.all(writes);
    const final = remoteJournal();
    expect(final.phases['day2-upgrade']?.command).toBe('a4');
    expect(final.phases['day2-restore-test']?.command).toBe('b4');
    expect(emulator.log.some((l) => /PUT .*journal\.json If-Match.* -> (409|412)/.test(l) || / -> 409$/.test(l))).toBe(
      true,
    );
    // Versioning keeps every write.
    expect(emulator.versions(BUCKET, `${PREFIX}journal.json`).length).toBeGreaterThanOrEqual(12);
  });

  it('a writer that keeps losing the ETag race fails clearly after a bounded number of retries', async () => {
    const s = store();
    const w = new RemoteJournalWriter(s, { etag: '"stale"', data: journal({}) }, ['p']);
    let n = 0;
    const realPut = emulator.putObject.bind(emulator);
    emulator.putObject = async (bucket, key, body, cond) => {
      if (cond?.ifMatch !== undefined || cond?.ifNoneMatch !== undefined) {
        n += 1;
        await realPut(
          bucket,
          key,
          `{"schemaVersion":1,"deployment":"demo","updatedAt":"x","phases":{"other${n}":{"version":1,"status":"running","steps":{}}}}`,
        );
      }
      return realPut(bucket, key, body, cond);
    };
    await expect(w.push(journal({ p: { version: 1, status: 'running', steps: {} } }))).rejects.toThrow(
      /kept changing under this run \(6 conditional writes failed\)/,
    );
  });

  it('stops writing when another run took over the lock', async () => {
    const s = store();
    const lock = await acquireRemoteLock({ store: s, deployment: 'demo', command: 'a' });
    const w = new RemoteJournalWriter(s, undefined, ['p'], lock);
    await w.push(journal({ p: { version: 1, status: 'running', steps: {} } }));
    await emulator.putObject(BUCKET, `${PREFIX}lock.json`, JSON.stringify({ ...lock.info, id: 'breaker' }));
    await emulator.putObject(BUCKET, `${PREFIX}journal.json`, JSON.stringify(journal({})));
    await expect(w.push(journal({ p: { version: 1, status: 'succeeded', steps: {} } }))).rejects.toThrow(
      /took over the lock/,
    );
  });
});

const SENTINEL = 'sentinel-secret-9f1c2b';

function demoPhase(reportDir: () => string): Phase {
  return {
    name: 'demo',
    version: 1,
    steps: [
      { id: 'one', title: 'Step one', run: async () => ({ id: 'i-1' }) },
      {
        id: 'report',
        title: 'Write a report',
        dependsOn: ['one'],
        run: async (ctx) => {
          // A step may see a secret (it holds it in memory) but never journals or reports it.
          const secret = SENTINEL;
          ctx.host.emit({ level: 'debug', code: 'X', message: `using a secret of ${secret.length} chars` });
          mkdirSync(join(reportDir(), 'reports'), { recursive: true });
          writeFileSync(join(reportDir(), 'reports', 'r1.md'), '# report\nall good\n');
          mkdirSync(join(reportDir(), 'cdk.out'), { recursive: true });
          writeFileSync(join(reportDir(), 'cdk.out', 'manifest.json'), '{}');
          return { ok: true };
        },
      },
    ],
  };
}

describe('a phase run with the s3 backend', () => {
  it('takes the S3 lock, pulls, pushes every journal write with If-Match, pushes reports (not cdk.out) and releases', async () => {
    const dir = tempDir('s3-run-');
    const host = new RecordingHost();
    const result = await runPhase(
      demoPhase(() => dir),
      undefined,
      { deployment: 'demo', stateDir: dir, command: 'coder-platform demo', host, remote: store() },
    );
    expect(result.status).toBe('succeeded');
    expect(remoteJournal().phases.demo?.status).toBe('succeeded');
    expect(remoteJournal().phases.demo?.steps.one?.outputs).toEqual({ id: 'i-1' });
    expect(emulator.current(BUCKET, `${PREFIX}reports/r1.md`)?.body).toContain('all good');
    expect(emulator.listKeys(BUCKET, '').some((k) => k.includes('cdk.out'))).toBe(false);
    expect(emulator.current(BUCKET, `${PREFIX}lock.json`)).toBeUndefined();
    const journalPuts = emulator.log.filter((l) => l.startsWith(`PUT ${PREFIX}journal.json`));
    expect(journalPuts[0]).toMatch(/If-None-Match:\* -> 200$/);
    expect(journalPuts.slice(1).every((l) => /If-Match:"[0-9a-f]+" -> 200$/.test(l))).toBe(true);
    // Nothing secret in any object written to the bucket (all versions).
    for (const key of emulator.bucket(BUCKET).objects.keys()) {
      for (const v of emulator.versions(BUCKET, key)) expect(v.body).not.toContain(SENTINEL);
    }

    // A second machine (empty working copy) sees the state: the journal is pulled before anything reads it.
    const other = tempDir('s3-run2-');
    const second = await runPhase(
      demoPhase(() => other),
      undefined,
      {
        deployment: 'demo',
        stateDir: other,
        command: 'coder-platform demo',
        host: new RecordingHost(),
        remote: store(),
      },
    );
    expect(second.steps.map((s) => s.status)).toEqual(['done', 'done']);
    expect(existsSync(join(other, 'reports', 'r1.md'))).toBe(true);
  });

  it('a run that finds the deployment locked does nothing and names the holder', async () => {
    await emulator.putObject(
      BUCKET,
      `${PREFIX}lock.json`,
      JSON.stringify({
        id: 'x',
        deployment: 'demo',
        user: 'alice',
        host: 'laptop-7',
        pid: 77,
        command: 'coder-platform day2 upgrade',
        startedAt: '2026-01-01T00:00:00Z',
        expiresAt: '2999-01-01T00:00:00Z',
      }),
    );
    const dir = tempDir('s3-locked-');
    let ran = false;
    const phase: Phase = {
      name: 'demo',
      version: 1,
      steps: [{ id: 'one', title: 'one', run: async () => void (ran = true) }],
    };
    await expect(
      runPhase(phase, undefined, {
        deployment: 'demo',
        stateDir: dir,
        command: 'c',
        host: new RecordingHost(),
        remote: store(),
      }),
    ).rejects.toThrow(
      /locked by another run: user alice on host laptop-7, pid 77, running `coder-platform day2 upgrade`/,
    );
    expect(ran).toBe(false);
    expect(emulator.current(BUCKET, `${PREFIX}journal.json`)).toBeUndefined();
  });

  it('refuses to shadow a local state that was never migrated; migrate uploads it once and refuses a second time', async () => {
    const dir = tempDir('s3-migrate-');
    const phase: Phase = {
      name: 'demo',
      version: 1,
      steps: [{ id: 'one', title: 'one', run: async () => ({ v: 1 }) }],
    };
    await runPhase(phase, undefined, { deployment: 'demo', stateDir: dir, command: 'c', host: new RecordingHost() });
    mkdirSync(join(dir, 'reports'));
    writeFileSync(join(dir, 'reports', 'old.json'), '{"ok":true}');
    const refused = await runPhase(phase, undefined, {
      deployment: 'demo',
      stateDir: dir,
      command: 'c',
      host: new RecordingHost(),
      remote: store(),
    }).catch((e: unknown) => e);
    expect((refused as UserError).message).toMatch(
      /holds a local journal that is not in s3:\/\/acme-coder-platform-state\/coder-platform\/demo\/ yet/,
    );
    expect((refused as UserError).nextSteps.join(' ')).toContain('coder-platform state migrate');
    expect(emulator.current(BUCKET, `${PREFIX}lock.json`)).toBeUndefined();

    const moved = await migrateLocalState(store(), dir);
    expect(moved.files).toBe(1);
    expect(remoteJournal().phases.demo?.status).toBe('succeeded');
    await expect(migrateLocalState(store(), dir)).rejects.toThrow(/already holds a journal/);
    const again = await runPhase(phase, undefined, {
      deployment: 'demo',
      stateDir: dir,
      command: 'c',
      host: new RecordingHost(),
      remote: store(),
    });
    expect(again.steps[0]?.status).toBe('done');
    expect((await readJournal(dir))?.phases.demo?.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'reports', 'old.json'), 'utf8')).toContain('ok');
  });
});
