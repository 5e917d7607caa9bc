/**
 * A run's session on the S3 backend: the lock is renewed while the run lives (If-Match on its own ETag), a
 * takeover stops every later journal write, and `status` reads the S3 lock's holder.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { S3ObjectStore } from '../../src/aws/s3-object-store.js';
import { RecordingHost } from '../../src/engine/host.js';
import type { JournalData } from '../../src/engine/journal.js';
import { startRemoteSession } from '../../src/engine/remote-session.js';
import { readStatus } from '../../src/services/status.js';
import { tempDir } from '../engine/helpers.js';
import { S3Emulator } from './s3-emulator.js';
import { installS3Mock } from './s3-mock.js';

const BUCKET = 'acme-state';
const LOCK = 'coder-platform/demo/lock.json';
let emulator: S3Emulator;
let mock: ReturnType<typeof installS3Mock>;

function store(): S3ObjectStore {
  return new S3ObjectStore(new S3Client({ region: 'eu-west-1' }), {
    bucket: BUCKET,
    keyPrefix: 'coder-platform/demo/',
    region: 'eu-west-1',
  });
}

beforeEach(() => {
  emulator = new S3Emulator();
  emulator.createBucket(BUCKET, 'eu-west-1');
  mock = installS3Mock(emulator);
});
afterEach(() => {
  vi.useRealTimers();
  mock.restore();
});

const journal = (status: 'running' | 'succeeded'): JournalData => ({
  schemaVersion: 1,
  deployment: 'demo',
  updatedAt: 'x',
  phases: { demo: { version: 1, status, steps: {} } },
});

describe('remote session', () => {
  it('renews the lock every third of its lease; after a takeover the next journal write fails and the lock is left alone', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(Date.parse('2026-01-01T00:00:00Z'));
    const host = new RecordingHost();
    const session = await startRemoteSession({
      store: store(),
      stateDir: tempDir('session-'),
      deployment: 'demo',
      command: 'c',
      phase: 'demo',
      host,
      ttlMs: 60_000,
    });
    expect(session.lock.info.expiresAt).toBe('2026-01-01T00:01:00.000Z');
    await session.mirror(journal('running'));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(emulator.log.filter((l) => l.startsWith(`PUT ${LOCK} If-Match:`))).toHaveLength(1);
    expect(JSON.parse(emulator.getObject(BUCKET, LOCK).body).expiresAt).toBe('2026-01-01T00:01:20.000Z');

    // Someone breaks the lock and takes it: the next renewal fails, and with it every later write.
    await emulator.putObject(BUCKET, LOCK, JSON.stringify({ ...session.lock.info, id: 'other' }));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(host.events.some((e) => e.code === 'ENGINE_LOCK_LOST')).toBe(true);
    await expect(session.mirror(journal('succeeded'))).rejects.toThrow(/taken over by another run/);
    await session.finish();
    expect(JSON.parse(emulator.getObject(BUCKET, LOCK).body).id).toBe('other');
    expect(JSON.parse(emulator.getObject(BUCKET, 'coder-platform/demo/journal.json').body).phases.demo.status).toBe(
      'running',
    );
  });

  it('status reads the S3 lock: the CI job holding it and the pulled journal', async () => {
    const dir = tempDir('status-');
    const session = await startRemoteSession({
      store: store(),
      stateDir: dir,
      deployment: 'demo',
      command: 'coder-platform day1',
      phase: 'day1',
      host: new RecordingHost(),
    });
    await session.mirror({ ...journal('running'), phases: { day1: { version: 1, status: 'running', steps: {} } } });
    const other = tempDir('status-other-');
    const { openStateStore } = await import('../../src/aws/s3-object-store.js');
    const remote = await openStateStore(
      {
        state: {
          backend: 's3',
          bucket: BUCKET,
          prefix: 'coder-platform/',
          encryption: 'aws:kms',
          noncurrentVersionDays: 90,
        },
        aws: { region: 'eu-west-1' } as never,
        deployment: { name: 'demo' } as never,
      },
      undefined,
      other,
    );
    const status = await readStatus({
      deployment: 'demo',
      stateDir: other,
      globals: { configPath: 'c.yaml', stateDir: other, awsProfile: undefined, region: undefined },
      remote,
    });
    expect(status.remote).toBe('s3://acme-state/coder-platform/demo/');
    expect(status.phases.map((p) => `${p.name}:${p.status}`)).toEqual(['day1:running']);
    expect(status.lock).toMatchObject({ command: 'coder-platform day1', pid: process.pid });
    expect(status.lock?.stale).toBeUndefined();
    expect(status.nextReason).toMatch(/A run is in progress/);
    await session.finish();
  });
});
