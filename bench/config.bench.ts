/**
 * Validation time grows linearly with the size of coder-platform.yaml. Each kind of bad file (a log of
 * unknown keys pasted into a section, repeated keys, YAML syntax errors) is validated at about 100 KiB and
 * at about 10 times that (just under the 1 MiB limit); the time ratio of the two must stay near 10, well
 * below the 100 a quadratic step gives (the yaml library's own duplicate-key check was one). Goal: ≤ 20.
 */
import { parseConfigText } from '../src/config/load.js';
import { ConfigError } from '../src/errors.js';

const GOAL = 20;
const VALID =
  'apiVersion: coder-platform/v1\nprofile: mvp-500\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n';

const KINDS: Record<string, (i: number) => string> = {
  'unknown keys in a section': (i) => `  step${i}: INFO [coder-release] took ${i} ms`,
  'one key repeated': (i) => `  step: ${i}`,
  'syntax errors': (i) => `[day0] ${i} CREATE_IN_PROGRESS: AWS::EC2::Subnet: "x`,
};

function fileOf(line: (i: number) => string, bytes: number): string {
  const lines: string[] = [];
  let size = VALID.length;
  for (let i = 0; size < bytes; i += 1) {
    const text = line(i);
    lines.push(text);
    size += text.length + 1;
  }
  return `${VALID}${lines.join('\n')}\n`;
}

/** Median of five runs, in ms. */
function time(text: string): number {
  const runs: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const started = performance.now();
    try {
      parseConfigText(text, 'bench.yaml');
      throw new Error('a broken bench file was accepted');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
    }
    runs.push(performance.now() - started);
  }
  return runs.sort((a, b) => a - b)[2]!;
}

let worst = 0;
for (const [kind, line] of Object.entries(KINDS)) {
  const small = fileOf(line, 100 * 1024);
  const large = fileOf(line, 1000 * 1024);
  time(small); // warm-up: JIT and module state
  const [a, b] = [time(small), time(large)];
  const ratio = b / a;
  worst = Math.max(worst, ratio);
  console.log(
    `${kind}: ${(small.length / 1024).toFixed(0)} KiB ${a.toFixed(1)} ms, ${(large.length / 1024).toFixed(0)} KiB ${b.toFixed(1)} ms; ratio ${ratio.toFixed(1)} for ${(large.length / small.length).toFixed(1)}× the size (goal ≤ ${GOAL}) ${ratio <= GOAL ? 'OK' : 'MISSED'}`,
  );
}
if (worst > GOAL) process.exitCode = 1;
