/**
 * The scaling state machine's decision, evaluated from the synthesized definition: its JSONata Choice and task
 * arguments run through the real `jsonata` package against a node group held in memory (EKS semantics: a
 * ScalingConfig field left out of UpdateNodegroupConfig keeps its value). The morning never lowers the desired
 * size; the evening lowers only the minimum.
 */
import fc from 'fast-check';
import jsonata from 'jsonata';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCALE_STATES, type ScaleInput } from '../../assets/cdk/lib/schedule-stack.js';
import { resolveConfig, resourcesOf, synthesize } from './synth.js';

interface AslState {
  Type: string;
  Resource?: string;
  Arguments?: unknown;
  Output?: unknown;
  Choices?: { Condition: string; Next: string }[];
  Default?: string;
  Next?: string;
  End?: boolean;
}
interface Asl {
  StartAt: string;
  QueryLanguage: string;
  States: Record<string, AslState>;
}
interface Scaling {
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

/** The definition with the partition filled in (the template joins it around `{ Ref: AWS::Partition }`). */
function definition(): Asl {
  const json = synthesize(resolveConfig('mvp-500'), { nag: false }).json('schedule');
  const [, props] = resourcesOf(json, 'AWS::StepFunctions::StateMachine')[0] as [
    string,
    { DefinitionString: { 'Fn::Join': [string, unknown[]] } },
  ];
  const parts = props.DefinitionString['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'aws'));
  return JSON.parse(parts.join('')) as Asl;
}

/** Evaluate every `{% … %}` string of a template against $states (JSONata states keep the value's type). */
async function evaluate(template: unknown, states: Record<string, unknown>): Promise<unknown> {
  if (typeof template === 'string') {
    const match = /^\{%(.*)%\}$/s.exec(template);
    return match ? jsonata(match[1] as string).evaluate({}, { states }) : template;
  }
  if (Array.isArray(template)) return Promise.all(template.map((t) => evaluate(t, states)));
  if (template && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) out[key] = await evaluate(value, states);
    return out;
  }
  return template;
}

/** Run the state machine against one node group; returns the group afterwards and the update calls made. */
async function run(
  asl: Asl,
  input: ScaleInput,
  group: Scaling,
): Promise<{ group: Scaling; updates: Record<string, number>[] }> {
  const live = { ...group };
  const updates: Record<string, number>[] = [];
  let name: string | undefined = asl.StartAt;
  let stateInput: unknown = input;
  while (name !== undefined) {
    const state: AslState = asl.States[name] as AslState;
    if (state.Type === 'Choice') {
      let next = state.Default;
      for (const choice of state.Choices ?? []) {
        if ((await evaluate(choice.Condition, { input: stateInput })) === true) {
          next = choice.Next;
          break;
        }
      }
      name = next;
      continue;
    }
    expect(state.Type).toBe('Task');
    const args = (await evaluate(state.Arguments, { input: stateInput })) as {
      ClusterName: string;
      NodegroupName: string;
      ScalingConfig?: Record<string, number>;
    };
    expect(args).toMatchObject({ ClusterName: input.ClusterName, NodegroupName: input.NodegroupName });
    let result: unknown;
    if (state.Resource === 'arn:aws:states:::aws-sdk:eks:describeNodegroup') {
      result = {
        Nodegroup: {
          NodegroupName: input.NodegroupName,
          ScalingConfig: { MinSize: live.minSize, DesiredSize: live.desiredSize, MaxSize: live.maxSize },
        },
      };
    } else if (state.Resource === 'arn:aws:states:::aws-sdk:eks:updateNodegroupConfig') {
      const s = args.ScalingConfig ?? {};
      updates.push(s);
      const next = {
        minSize: s.MinSize ?? live.minSize,
        desiredSize: s.DesiredSize ?? live.desiredSize,
        maxSize: s.MaxSize ?? live.maxSize,
      };
      // EKS refuses a scaling config outside min ≤ desired ≤ max (InvalidParameterException)
      if (!(next.minSize <= next.desiredSize && next.desiredSize <= next.maxSize))
        throw new Error(`EKS would reject ${JSON.stringify(next)}`);
      Object.assign(live, next);
      result = { Update: { Status: 'InProgress' } };
    } else throw new Error(`unexpected resource ${state.Resource}`);
    stateInput = state.Output === undefined ? result : await evaluate(state.Output, { input: stateInput, result });
    name = state.End ? undefined : state.Next;
  }
  return { group: live, updates };
}

describe('scaling state machine decision (synthesized ASL, evaluated with jsonata)', () => {
  let asl: Asl;
  beforeAll(() => {
    asl = definition();
  });
  const scaleUp = (minSize: number): ScaleInput => ({
    ClusterName: 'coder',
    NodegroupName: 'coder-ws',
    MinSize: minSize,
  });

  it('is a JSONata workflow: DescribeNodegroup → Choice → UpdateNodegroupConfig', () => {
    expect(asl.QueryLanguage).toBe('JSONata');
    expect(asl.StartAt).toBe(SCALE_STATES.describe);
    expect(asl.States[SCALE_STATES.describe]?.Next).toBe(SCALE_STATES.choice);
    expect(asl.States[SCALE_STATES.choice]?.Type).toBe('Choice');
  });

  it('morning, current desired below the peak: raises min and desired to the peak', async () => {
    const out = await run(asl, scaleUp(10), { minSize: 2, desiredSize: 4, maxSize: 20 });
    expect(out.updates).toEqual([{ MinSize: 10, DesiredSize: 10 }]);
    expect(out.group).toEqual({ minSize: 10, desiredSize: 10, maxSize: 20 });
  });

  it('morning, current desired equal to the peak: raises only the minimum', async () => {
    const out = await run(asl, scaleUp(10), { minSize: 2, desiredSize: 10, maxSize: 20 });
    expect(out.updates).toEqual([{ MinSize: 10 }]);
    expect(out.group).toEqual({ minSize: 10, desiredSize: 10, maxSize: 20 });
  });

  it('morning, the autoscaler grew the group above the peak: keeps the larger desired size', async () => {
    const out = await run(asl, scaleUp(10), { minSize: 2, desiredSize: 15, maxSize: 20 });
    expect(out.updates).toEqual([{ MinSize: 10 }]);
    expect(out.group).toEqual({ minSize: 10, desiredSize: 15, maxSize: 20 });
  });

  it('evening: lowers only the minimum and leaves a day-time-grown group to the autoscaler', async () => {
    const out = await run(asl, scaleUp(2), { minSize: 10, desiredSize: 15, maxSize: 20 });
    expect(out.updates).toEqual([{ MinSize: 2 }]);
    expect(out.group).toEqual({ minSize: 2, desiredSize: 15, maxSize: 20 });
  });

  it('property: min becomes the target, desired becomes max(current, target), and min ≤ desired ≤ max holds', async () => {
    const scenario = fc
      .integer({ min: 1, max: 1000 })
      .chain((maxSize) =>
        fc.record({
          maxSize: fc.constant(maxSize),
          desiredSize: fc.integer({ min: 0, max: maxSize }),
          target: fc.integer({ min: 0, max: maxSize }),
        }),
      )
      .chain((s) =>
        fc.record({
          maxSize: fc.constant(s.maxSize),
          desiredSize: fc.constant(s.desiredSize),
          target: fc.constant(s.target),
          minSize: fc.integer({ min: 0, max: s.desiredSize }),
        }),
      );
    await fc.assert(
      fc.asyncProperty(scenario, async ({ minSize, desiredSize, maxSize, target }) => {
        const out = await run(asl, scaleUp(target), { minSize, desiredSize, maxSize });
        expect(out.group.minSize).toBe(target);
        expect(out.group.desiredSize).toBe(Math.max(desiredSize, target));
        expect(out.group.desiredSize).toBeGreaterThanOrEqual(desiredSize);
        expect(out.group.minSize).toBeLessThanOrEqual(out.group.desiredSize);
        expect(out.group.desiredSize).toBeLessThanOrEqual(maxSize);
        expect(out.updates).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });
});
