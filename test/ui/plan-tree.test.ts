/**
 * The --dry-run plan: a tree sized to the terminal on a TTY (80 and 120 columns), formatPlan's plain
 * timestamped lines unchanged in CI, nothing under --json; and the engine's read-only probes on a dry run.
 */
import { PassThrough } from 'node:stream';
import { Chalk } from 'chalk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineStepInfo } from '../../src/engine/host.js';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import type { Phase } from '../../src/engine/types.js';
import { createHost } from '../../src/ui/host.js';
import { formatPlan } from '../../src/ui/renderers/format.js';
import { ListrHost } from '../../src/ui/renderers/listr.js';
import { criticalPathSeconds, formatEta, renderPlanTree } from '../../src/ui/renderers/plan-tree.js';
import { tempDir } from '../engine/helpers.js';

const plain = new Chalk({ level: 0 });
const info = (
  id: string,
  dependsOn: string[],
  plan: EngineStepInfo['plan'],
  expectedSeconds: number | undefined,
  title = `Deploy the ${id} stack (coder-${id})`,
): EngineStepInfo => ({
  id,
  title,
  dependsOn,
  plan,
  reason:
    plan === 'skip'
      ? 'disabled'
      : dependsOn.length > 0
        ? `after ${dependsOn.join(', ')}; unless isDone finds it done`
        : 'unless isDone finds it done',
  ...(expectedSeconds === undefined ? {} : { expectedSeconds }),
});

/** day0 deploy's shape: a chain, then two branches, one of which branches again. */
const DAY0: EngineStepInfo[] = [
  info('preflight-gate', [], 'run', 30, 'Preflight: refuse to deploy while a critical check fails'),
  info('bootstrap-check', ['preflight-gate'], 'wait', 5, 'Identity and CDK bootstrap of the account'),
  info('synth', ['bootstrap-check'], 'wait', 5, 'Synthesize the CDK app (with cdk-nag)'),
  info('network', ['synth'], 'wait', 240),
  info('data', ['network'], 'wait', 600),
  info('cluster', ['network'], 'wait', 1200),
  info('edge', ['cluster'], 'wait', 300),
  info('schedule', ['cluster'], 'wait', 60),
];

describe('renderPlanTree', () => {
  it('draws day0 as a tree at 80 columns, every line within the width, one duration format', () => {
    const out = renderPlanTree('day0-deploy', 'coder', DAY0, { width: 80, style: plain });
    expect(out).toBe(
      [
        'Plan for day0-deploy (deployment coder) — nothing will be changed',
        '  ▶ preflight-gate  Preflight: refuse to deploy while a critical check fa…  ~30s',
        '  ◦ bootstrap-check  Identity and CDK bootstrap of the account               ~5s',
        '  ◦ synth  Synthesize the CDK app (with cdk-nag)                             ~5s',
        '  ◦ network  Deploy the network stack (coder-network)                        ~4m',
        '  ├─ ◦ data  Deploy the data stack (coder-data)                             ~10m',
        '  └─ ◦ cluster  Deploy the cluster stack (coder-cluster)                    ~20m',
        '     ├─ ◦ edge  Deploy the edge stack (coder-edge)                           ~5m',
        '     └─ ◦ schedule  Deploy the schedule stack (coder-schedule)               ~1m',
        '1 starts now, 7 wait for an earlier step, 0 skipped; longest path ~30m',
        '▶ starts  ◦ waits  – skipped; a step whose probe finds its work done is skipped',
        '',
      ].join('\n'),
    );
    expect(out).not.toMatch(/\d\.\ds|\[needs|unless isDone|\d{4}-\d\d-\d\dT/); // no log-style leftovers
    for (const line of out.trimEnd().split('\n').slice(1, -2)) expect(line).toHaveLength(80);
  });

  it('uses the terminal width: 120 columns keep long titles whole, 80 cut them with …, below 80 lays out at 80', () => {
    const long = [
      ...DAY0.slice(0, 2),
      info(
        'synth',
        ['bootstrap-check'],
        'wait',
        5,
        'Synthesize the CDK app with cdk-nag, the AwsSolutions pack and every suppression explained',
      ),
    ];
    const at = (width: number): string[] =>
      renderPlanTree('day0-deploy', 'coder', long, { width, style: plain }).trimEnd().split('\n');
    for (const width of [80, 120]) for (const line of at(width)) expect(line.length).toBeLessThanOrEqual(width);
    expect(at(120).join('\n')).toContain('every suppression explained');
    expect(at(80).find((l) => l.includes('◦ synth'))).toMatch(/…\s+~5s$/);
    expect(at(40)).toEqual(at(80));
    expect(Math.max(...at(120).map((l) => l.length))).toBe(120); // the ETA column sits at the right edge
  });

  it('shows what the probes found and names a second dependency on the line', () => {
    const steps: EngineStepInfo[] = [
      {
        ...info('read-outputs', [], 'skip', 5, "Read Day 0's stack outputs"),
        reason: 'already done (probed)',
        probed: 'done',
      },
      {
        ...info('kubeconfig', ['read-outputs'], 'run', 5, 'Write the kubeconfig'),
        reason: 'probed: not done; would run',
        probed: 'not-done',
      },
      info('addons', ['kubeconfig'], 'wait', 180, 'Install the add-ons'),
      info('db-secret', ['kubeconfig'], 'wait', 5, 'Sync the database URL'),
      info('coder-release', ['addons', 'db-secret'], 'wait', 240, 'helm upgrade --install coder'),
    ];
    const out = renderPlanTree('day1', 'coder', steps, { width: 100, style: plain, probed: true });
    expect(out).toMatch(/ {2}✔ read-outputs {2}Read Day 0's stack outputs \(already done \(probed\)\)\n/);
    expect(out).toMatch(/ {2}▶ kubeconfig {2}Write the kubeconfig \(probed: to do\) +~5s\n/);
    expect(out).toMatch(/└─ ◦ db-secret .*\n {5}◦ coder-release {2}helm upgrade --install coder \(also after addons\)/);
    expect(out).toContain('probed read-only with your credentials');
  });
});

describe('durations and the longest path', () => {
  it('formatEta writes every duration one way and stays within rounding of the value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (s) => {
        const text = formatEta(s);
        const m = /^~(?:(\d+)s|(\d+)m|(\d+)h (\d\d)m)$/.exec(text);
        expect(m, text).not.toBeNull();
        const back =
          m?.[1] !== undefined
            ? Number(m[1])
            : m?.[2] !== undefined
              ? Number(m[2]) * 60
              : Number(m?.[3]) * 3600 + Number(m?.[4]) * 60;
        expect(Math.abs(back - s)).toBeLessThanOrEqual(30);
      }),
    );
  });

  it('criticalPathSeconds equals the longest path found by walking every path', () => {
    const dag = fc
      .array(
        fc.record({
          seconds: fc.integer({ min: 0, max: 1000 }),
          deps: fc.array(fc.nat(), { maxLength: 3 }),
          skip: fc.boolean(),
        }),
        { minLength: 1, maxLength: 9 },
      )
      .map((nodes) =>
        nodes.map((n, i): EngineStepInfo =>
          info(
            `s${i}`,
            i === 0 ? [] : [...new Set(n.deps.map((d) => `s${d % i}`))],
            n.skip ? 'skip' : 'run',
            n.seconds,
          ),
        ),
      );
    fc.assert(
      fc.property(dag, (steps) => {
        const byId = new Map(steps.map((s) => [s.id, s]));
        const cost = (s: EngineStepInfo): number => (s.plan === 'skip' ? 0 : (s.expectedSeconds ?? 0));
        const longest = (s: EngineStepInfo): number =>
          cost(s) + Math.max(0, ...s.dependsOn.map((d) => longest(byId.get(d) as EngineStepInfo)));
        expect(criticalPathSeconds(steps)).toBe(Math.max(...steps.map(longest)));
      }),
    );
  });
});

function sink(columns?: number): { stream: PassThrough & { isTTY: boolean; columns?: number }; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, ...(columns === undefined ? {} : { columns }) });
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return { stream, text: () => text };
}

const event = {
  level: 'info' as const,
  code: 'ENGINE_PLAN',
  message: 'Plan for day0-deploy (coder): 1 of 8 steps would run.',
  data: { phase: 'day0-deploy', deployment: 'coder', steps: DAY0 },
};

describe('where the plan goes', () => {
  it('a terminal host prints the tree at the stream width, without timestamps', async () => {
    for (const columns of [80, 120]) {
      const out = sink(columns);
      const host = new ListrHost({ yes: false, nonInteractive: true, verbose: false, stream: out.stream });
      host.emit({
        level: 'warn',
        code: 'DRY_RUN_OFFLINE',
        message: 'No AWS credentials: working from the configuration alone.',
      });
      host.emit(event);
      await host.close();
      const lines = out.text().trimEnd().split('\n');
      expect(lines[0]).toBe('⚠ No AWS credentials: working from the configuration alone.');
      expect(lines.slice(1).join('\n')).toBe(
        renderPlanTree('day0-deploy', 'coder', DAY0, { width: columns, style: plain }).trimEnd(),
      );
      expect(out.text()).not.toMatch(/\d{4}-\d\d-\d\dT/);
    }
  });

  it('CI keeps formatPlan’s plain timestamped lines, exactly as before', () => {
    const out = sink(120);
    const host = createHost({ json: false, nonInteractive: true, yes: false, verbose: false }, { CI: 'true' }, true);
    expect(host.kind).toBe('lines');
    // the line host writes to process.stderr by default; swap in a sink with the same renderer
    const { stream, text } = out;
    const spy = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => stream.write(chunk)) as typeof process.stderr.write;
    try {
      host.emit(event);
    } finally {
      process.stderr.write = spy;
    }
    const expected = formatPlan('day0-deploy', 'coder', DAY0).trimEnd().split('\n');
    const got = text().trimEnd().split('\n');
    expect(got.map((l) => l.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}/, ''))).toEqual(expected);
    expect(got.every((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}/.test(l))).toBe(true);
  });

  it('--json prints nothing: the plan is only recorded', () => {
    const host = createHost({ json: true, nonInteractive: true, yes: false, verbose: false }, {}, true);
    expect(host).toBeInstanceOf(RecordingHost);
    host.emit(event);
    expect((host as unknown as RecordingHost).events.map((e) => e.code)).toEqual(['ENGINE_PLAN']);
  });
});

describe('dry-run probes', () => {
  const calls: string[] = [];
  const phase: Phase<{ found: Set<string> }> = {
    name: 'demo',
    version: 1,
    steps: [
      {
        id: 'a',
        title: 'A',
        isDone: async ({ services }) => (calls.push('a'), services.found.has('a') ? { x: 1 } : undefined),
        run: async () => undefined,
      },
      {
        id: 'b',
        title: 'B',
        dependsOn: ['a'],
        isDone: async ({ services, outputs }) => (
          calls.push(`b:${String(outputs.a?.x)}`),
          services.found.has('b') ? {} : undefined
        ),
        run: async () => undefined,
      },
      {
        id: 'c',
        title: 'C',
        dependsOn: ['b'],
        isDone: async () => (calls.push('c'), undefined),
        run: async () => undefined,
      },
      {
        id: 'd',
        title: 'D',
        isDone: async () => Promise.reject(new Error('ec2:DescribeVpcs denied')),
        run: async () => undefined,
      },
    ],
  };
  const plan = async (probe: boolean, found: string[]) => {
    calls.length = 0;
    const host = new RecordingHost();
    const result = await runPhase(
      phase,
      { found: new Set(found) },
      { deployment: 'x', stateDir: tempDir(), command: 'demo', host, dryRun: true, probe },
    );
    return {
      result,
      steps: (host.events.find((e) => e.code === 'ENGINE_PLAN')?.data?.steps ?? []) as EngineStepInfo[],
    };
  };

  it('without credentials no probe runs; with them each step whose dependencies are known done is probed', async () => {
    const offline = await plan(false, ['a', 'b']);
    expect(calls).toEqual([]);
    expect(offline.steps.map((s) => [s.id, s.plan, s.probed])).toEqual([
      ['a', 'run', undefined],
      ['b', 'wait', undefined],
      ['c', 'wait', undefined],
      ['d', 'run', undefined],
    ]);

    const probed = await plan(true, ['a', 'b']);
    expect(calls).toEqual(['a', 'b:1', 'c']); // b sees a's probed outputs; c is probed once b is found done
    expect(probed.steps.map((s) => [s.id, s.plan, s.probed])).toEqual([
      ['a', 'skip', 'done'],
      ['b', 'skip', 'done'],
      ['c', 'run', 'not-done'],
      ['d', 'run', 'error'],
    ]);
    expect(probed.steps.find((s) => s.id === 'd')?.reason).toContain('ec2:DescribeVpcs denied');
    expect(probed.result.outputs.a).toEqual({ x: 1 });
    expect(probed.result.steps.map((s) => s.id)).toEqual(offline.result.steps.map((s) => s.id)); // the same step plan

    await plan(true, []);
    expect(calls).toEqual(['a']); // b waits for a, which is not done: not probed
  });
});
