/**
 * The engine as a phase command sees it, through a child process running a real oclif command
 * (fixtures/demo-phase.ts): renderer output, --json, exit codes, resume hints, signals and the lock.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../src/engine/journal.js';
import { fixture, projectRoot, runFixture, tempDir } from './helpers.js';

/** Cursor movement / erase / hide: ESC[ <n> A-D, K, G, H, J, or ESC[?25l. */
const CURSOR = new RegExp(String.raw`\x1b\[[0-9;]*[ABCDKGHJ]|\x1b\[\?25l`);

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('phase command output', () => {
  it('prints plain timestamped lines without cursor codes in CI, even on a terminal', async () => {
    const dir = tempDir();
    const piped = await runFixture(['--state-dir', join(dir, 's1')], { FX_EFFECTS: join(dir, 'e1'), CI: 'true' });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}> Step a \[a\]/m);
    expect(piped.stderr).toMatch(/ok Step d/);
    expect(piped.stderr).not.toMatch(CURSOR);
    expect(piped.stdout).toBe('');

    // CI=true on a real terminal (a pty from script(1)) must not switch to listr's redrawing renderer.
    if (!hasScript()) return;
    const cmd = `CI=true NO_COLOR=1 FX_EFFECTS=${join(dir, 'e2')} ${process.execPath} --import tsx ${fixture} --state-dir ${join(dir, 's2')}`;
    const out = execFileSync('script', ['-qec', cmd, '/dev/null'], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    expect(out).toMatch(/ok Step d/);
    expect(out).not.toMatch(CURSOR);
    // Control: without CI the same terminal gets the listr2 task list (which hides the cursor); a failing
    // task there still fails the run (listr2 alone would swallow it) with the resume hint.
    const ttyCmd = `stty cols 120 rows 40; ${cmd.replace('CI=true ', 'CI= FX_FAIL=d FX_SLEEP_MS=400 ').replace(join(dir, 's2'), join(dir, 's3')).replace(join(dir, 'e2'), join(dir, 'e3'))}`;
    const tty = spawnSync('script', ['-qec', ttyCmd, '/dev/null'], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { ...process.env, CI: '' },
    });
    expect(tty.status).toBe(1);
    expect(tty.stdout).toMatch(CURSOR);
    const frames = tty.stdout.replace(new RegExp(String.raw`\x1b\[[0-9;?]*[A-Za-z]`, 'g'), '');
    expect(frames).toMatch(/Step b \(elapsed \d+ms, ETA ~[\d.]+m?s\)/); // live elapsed time and ETA in the title
    expect(frames).toContain('› b: working'); // progress events as sub-lines
    expect(tty.stdout).toContain('demo failed at step "Step d" (d)');
    expect(tty.stdout).toContain(
      `resume with: coder-platform demo --config ./coder-platform.yaml --state-dir ${join(dir, 's3')}`,
    );
  });

  it('asks on a terminal inside the task list and needs the exact text typed', async () => {
    if (!hasScript()) return;
    const dir = tempDir();
    const answer = async (typed: string, n: number): Promise<{ code: number | null; effects: string }> => {
      const effects = join(dir, `e${n}`);
      const cmd = `stty cols 120; CI= NO_COLOR=1 FX_CONFIRM=b FX_EFFECTS=${effects} ${process.execPath} --import tsx ${fixture} --state-dir ${join(dir, `s${n}`)}`;
      const child = spawn('script', ['-qec', cmd, '/dev/null'], {
        cwd: projectRoot,
        env: { ...process.env, CI: '' },
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      // Type the answer until the prompt has taken it (input typed before the prompt starts may be discarded).
      const typing = setInterval(() => child.stdin.write(`${typed}\r`), 700);
      const code = await new Promise<number | null>((r) => child.on('close', r));
      clearInterval(typing);
      return { code, effects: existsSync(effects) ? readFileSync(effects, 'utf8') : '' };
    };
    const yes = await answer('demo', 1);
    expect(yes.code).toBe(0);
    expect(yes.effects).toContain('effect:b');
    const no = await answer('dem', 2);
    expect(no.code).toBe(130); // a wrong answer is a "no": the step cancels, cleanup runs
    expect(no.effects).not.toContain('effect:b');
    expect(no.effects).toContain('cleanup:b');
  });

  it('--json prints only the typed result on stdout and nothing on stderr', async () => {
    const dir = tempDir();
    const run = await runFixture(['--state-dir', join(dir, 's'), '--json'], { FX_EFFECTS: join(dir, 'e') });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { status: string; steps: { id: string; status: string }[] };
    expect(result.status).toBe('succeeded');
    expect(result.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done']);
  });

  it('--dry-run (here via CODER_PLATFORM_DRY_RUN) prints the plan on stderr and runs nothing', async () => {
    const dir = tempDir();
    const run = await runFixture(['--state-dir', join(dir, 's')], {
      FX_EFFECTS: join(dir, 'e'),
      CODER_PLATFORM_DRY_RUN: 'true',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/\[run \] a: Step a/);
    expect(run.stderr).toMatch(/\[wait\] d: Step d .*\[needs b, c\]/);
    expect(existsSync(join(dir, 'e'))).toBe(false);
  });

  it('a failing step exits 1 naming the step, the cause and the exact resume command', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 's');
    const run = await runFixture(['--state-dir', stateDir, '--config', './my config.yaml'], {
      FX_EFFECTS: join(dir, 'e'),
      FX_FAIL: 'c',
    });
    expect(run.code).toBe(1);
    const resume = `coder-platform demo --config './my config.yaml' --state-dir ${stateDir}`;
    expect(run.stderr).toContain(
      'demo failed at step "Step c" (c): aws ec2:CreateThing failed: the thing for c could not be made',
    );
    expect(run.stderr).toContain(`resume with: ${resume}`);
    expect(run.stderr).toContain('Check the thing.');

    const json = await runFixture(['--state-dir', stateDir, '--config', './my config.yaml', '--json'], {
      FX_EFFECTS: join(dir, 'e'),
      FX_FAIL: 'c',
    });
    expect(json.code).toBe(1);
    const { error } = JSON.parse(json.stdout) as { error: { kind: string; nextSteps: string[] } };
    expect(error.kind).toBe('check');
    expect(error.nextSteps).toContain(`Fix the cause, then resume with: ${resume}`);
  });

  it('SIGINT stops the run, runs cleanup, keeps a valid journal and exits 130', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 's');
    const effects = join(dir, 'e');
    let sent = false;
    const run = await runFixture(['--state-dir', stateDir], { FX_EFFECTS: effects, FX_HANG: 'b' }, (err, child) => {
      if (!sent && err.includes('[b] b: working')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/demo was interrupted/);
    const journal = await readJournal(stateDir);
    expect(journal?.phases.demo?.status).toBe('interrupted');
    expect(journal?.phases.demo?.steps.b?.status).toBe('interrupted');
    expect(journal?.phases.demo?.steps.d).toMatchObject({ status: 'pending', attempts: 0 }); // never started
    expect(readFileSync(effects, 'utf8')).toContain('cleanup:b');
    expect(existsSync(join(stateDir, 'lock.json'))).toBe(false);
  });

  it('a second SIGINT exits 130 at once, leaving a journal that parses', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 's');
    let sent = 0;
    const started = Date.now();
    const run = await runFixture(
      ['--state-dir', stateDir],
      { FX_EFFECTS: join(dir, 'e'), FX_STUBBORN: 'a' },
      (err, child) => {
        if (sent === 0 && err.includes('[a] a: working')) {
          sent = 1;
          child.kill('SIGINT');
        } else if (sent === 1 && err.includes('press Ctrl-C again')) {
          sent = 2;
          child.kill('SIGINT');
        }
      },
    );
    expect(run.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(30_000); // did not wait for the stubborn step's minute
    expect(run.stderr).toContain('Stopped at once. The journal is consistent; resume with: coder-platform demo');
    const journal = await readJournal(stateDir);
    expect(journal?.phases.demo?.steps.a?.status).toBe('running'); // resumed later: re-probed, then re-run
    expect(existsSync(join(stateDir, 'lock.json'))).toBe(false); // so the resume needs no --break-lock
  });
});

describe('deployment lock', () => {
  it('refuses a second concurrent run, naming the holder', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 's');
    const first = spawn(process.execPath, ['--import', 'tsx', fixture, '--state-dir', stateDir], {
      cwd: projectRoot,
      env: { ...process.env, CI: 'true', FX_EFFECTS: join(dir, 'e'), FX_HANG: 'a' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve) =>
      first.stderr.on('data', (d: Buffer) => d.toString().includes('a: working') && resolve()),
    );
    const second = await runFixture(['--state-dir', stateDir], { FX_EFFECTS: join(dir, 'e') });
    first.kill('SIGINT');
    await new Promise((r) => first.on('close', r));
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`locked by another run: pid ${first.pid} on ${hostname()}`);
    expect(readFileSync(join(dir, 'e'), 'utf8')).not.toContain('effect:'); // the refused run did nothing
  });

  it('a stale lock (dead pid on this host) is refused until the command gets --break-lock', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 's');
    mkdirSync(stateDir, { recursive: true });
    // A pid that cannot be alive: spawn a process and wait for it to exit.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(
      join(stateDir, 'lock.json'),
      JSON.stringify({
        pid: Number(dead.stdout),
        host: hostname(),
        startedAt: new Date().toISOString(),
        command: 'coder-platform demo',
      }),
    );
    const refused = await runFixture(['--state-dir', stateDir], { FX_EFFECTS: join(dir, 'e') });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/stale lock[\s\S]*--break-lock/);
    expect(existsSync(join(dir, 'e'))).toBe(false);
    const broken = await runFixture(['--state-dir', stateDir, '--break-lock'], { FX_EFFECTS: join(dir, 'e') });
    expect(broken.code, broken.stderr).toBe(0);
    expect(readFileSync(join(dir, 'e'), 'utf8')).toContain('effect:');
    expect(existsSync(join(stateDir, 'lock.json'))).toBe(false);
  });
});
