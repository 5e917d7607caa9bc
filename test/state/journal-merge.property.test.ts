/**
 * Property: however the journal writes of several runs interleave on S3 (each run owns one phase; writes
 * race through the emulator's in-flight window, so 409s and 412s happen), every phase's last record lands
 * and none is lost — checked against a plain reference: the last record each writer pushed.
 */
import { S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../src/aws/s3-object-store.js';
import type { JournalData } from '../../src/engine/journal.js';
import { RemoteJournalWriter } from '../../src/engine/remote-state.js';
import { S3Emulator } from './s3-emulator.js';
import { installS3Mock } from './s3-mock.js';

let mock: ReturnType<typeof installS3Mock> | undefined;
afterEach(() => mock?.restore());

describe('journal writes on S3 (property)', () => {
  it('no phase record is lost under any interleaving of racing writers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 3 }),
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (writers, batches) => {
          mock?.restore();
          const emulator = new S3Emulator();
          emulator.createBucket('b', 'eu-west-1');
          mock = installS3Mock(emulator);
          const store = new S3ObjectStore(new S3Client({ region: 'eu-west-1' }), {
            bucket: 'b',
            keyPrefix: 'p/d/',
            region: 'eu-west-1',
          });
          const phases = Array.from({ length: writers }, (_, i) => `phase-${i}`);
          const ws = phases.map((p) => new RemoteJournalWriter(store, undefined, [p]));
          const expected = new Map<string, string>();
          let n = 0;
          for (const batch of batches) {
            const who = batch.filter((i) => i < writers);
            if (who.length === 0) continue;
            const gate = emulator.gate('p/d/journal.json');
            const pushes = who.map((i) => {
              n += 1;
              const phase = phases[i] as string;
              expected.set(phase, `write-${n}`);
              const data: JournalData = {
                schemaVersion: 1,
                deployment: 'd',
                updatedAt: 'x',
                phases: { [phase]: { version: 1, status: 'running', command: `write-${n}`, steps: {} } },
              };
              return (ws[i] as RemoteJournalWriter).push(data);
            });
            await gate.arrived;
            gate.open();
            await Promise.all(pushes);
          }
          if (expected.size === 0) return;
          const final = JSON.parse(emulator.getObject('b', 'p/d/journal.json').body) as JournalData;
          for (const [phase, command] of expected) expect(final.phases[phase]?.command).toBe(command);
          expect(Object.keys(final.phases).sort()).toEqual([...expected.keys()].sort());
        },
      ),
      { numRuns: 40 },
    );
  });
});
