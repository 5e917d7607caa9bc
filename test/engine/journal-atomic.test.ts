/**
 * The journal write is atomic, shown without timing: faults are injected through the file-system module the
 * engine imports (node:fs/promises, mocked here): a write that tears half-way, then a rename that fails.
 * Each time journal.json must still hold the previous snapshot byte for byte, and the next write must work.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Journal, readJournal } from '../../src/engine/journal.js';
import { tempDir } from './helpers.js';

type Fault = 'none' | 'torn-write' | 'rename';
const fault = vi.hoisted(() => ({ mode: 'none' as Fault, injected: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  const crash = (): Error => {
    fault.injected += 1;
    return Object.assign(new Error('EIO: injected crash'), { code: 'EIO' });
  };
  /** Half of what was asked is written, then the "machine dies". */
  const half = (data: unknown): string => String(data).slice(0, Math.floor(String(data).length / 2));
  const tearing = (handle: Awaited<ReturnType<typeof real.open>>): typeof handle =>
    new Proxy(handle, {
      get(target, key) {
        if (key === 'writeFile' || key === 'write' || key === 'appendFile') {
          return async (data: unknown) => {
            await target.writeFile(half(data), 'utf8');
            throw crash();
          };
        }
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  const mocked = {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
      const writing = /[wa+]/.test(String(args[1] ?? 'r'));
      return fault.mode === 'torn-write' && writing ? tearing(handle) : handle;
    },
    writeFile: async (...args: Parameters<typeof real.writeFile>) => {
      if (fault.mode !== 'torn-write') return real.writeFile(...args);
      await real.writeFile(args[0], half(args[1]));
      throw crash();
    },
    appendFile: async (...args: Parameters<typeof real.appendFile>) => {
      if (fault.mode !== 'torn-write') return real.appendFile(...args);
      await real.appendFile(args[0], half(args[1]));
      throw crash();
    },
    rename: async (...args: Parameters<typeof real.rename>) => {
      if (fault.mode === 'rename') throw crash();
      return real.rename(...args);
    },
  };
  return { ...mocked, default: mocked };
});

afterEach(() => {
  fault.mode = 'none';
  fault.injected = 0;
});

function snapshotWith(journal: Journal, attempts: number): void {
  journal.setPhase('demo', {
    version: 1,
    status: 'running',
    steps: { a: { status: 'running', attempts }, b: { status: 'pending', attempts } },
  });
}

describe('journal writes are atomic (faults injected through node:fs/promises)', () => {
  it.each<[Fault]>([['torn-write'], ['rename']])(
    'a %s fault leaves the previous journal intact, and the next write succeeds',
    async (mode) => {
      const stateDir = tempDir('atomic-');
      const journal = await Journal.open(stateDir, 'demo');
      snapshotWith(journal, 1);
      await journal.save();
      const before = readFileSync(journal.file, 'utf8');

      // Given a large change, so a torn write would cut through the JSON
      snapshotWith(journal, 2);
      journal.data.phases.big = {
        version: 1,
        status: 'running',
        steps: Object.fromEntries(
          Array.from({ length: 200 }, (_, i) => [
            `s${i}`,
            { status: 'done' as const, attempts: 2, outputs: { value: 'x'.repeat(50) } },
          ]),
        ),
      };
      fault.mode = mode;
      // When the write fails part-way
      await expect(journal.save()).rejects.toThrow('injected crash');
      expect(fault.injected).toBe(1);
      fault.mode = 'none';

      // Then journal.json is byte for byte the previous snapshot, and it parses
      expect(readFileSync(journal.file, 'utf8')).toBe(before);
      expect((await readJournal(stateDir))?.phases.demo?.steps.a?.attempts).toBe(1);

      // And the queue recovers: the next save writes the new state
      await journal.save();
      const after = await readJournal(stateDir);
      expect(after?.phases.demo?.steps.a?.attempts).toBe(2);
      expect(Object.keys(after?.phases.big?.steps ?? {})).toHaveLength(200);

      // And a leftover temp file of the torn write is removed by the next run's open (never read as a journal)
      await Journal.open(stateDir, 'demo');
      expect(readdirSync(stateDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      expect(readdirSync(stateDir)).toContain('journal.json');
    },
  );

  it('a torn first write leaves no journal at all rather than a broken one', async () => {
    const stateDir = tempDir('atomic-');
    const journal = await Journal.open(stateDir, 'demo');
    snapshotWith(journal, 1);
    fault.mode = 'torn-write';
    await expect(journal.save()).rejects.toThrow('injected crash');
    fault.mode = 'none';
    expect(await readJournal(stateDir)).toBeUndefined();
    expect(readdirSync(join(stateDir))).not.toContain('journal.json');
  });
});
