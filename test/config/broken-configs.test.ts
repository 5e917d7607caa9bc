/**
 * The corpus of broken coder-platform.yaml files (test/fixtures/broken-configs): typos, pasted logs, wrong
 * encodings, hostile YAML, literal secrets, cross-field mistakes. Each file has an expectation in
 * expectations.yaml; every file must be rejected with exit 2 naming the key, line:column and an example
 * (or accepted, where the README says so), with text and --json output that are safe to print.
 * test/cli/broken-configs.test.ts runs part of the same corpus through the built CLI.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError, ExitCode, MAX_CONFIG_ISSUES } from '../../src/errors.js';
import { renderError } from '../../src/ui/render-error.js';
import { CORPUS, CORPUS_FILES as FILES, EXPECTATIONS, leakForms } from './broken-corpus.js';

/** Control characters other than newline, and the escape that starts terminal sequences. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/;

async function rejection(file: string): Promise<ConfigError | undefined> {
  try {
    await loadConfig({ path: resolve(CORPUS, file) });
    return undefined;
  } catch (error) {
    expect(error, `${file}: ${String(error)}`).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
}

describe('the broken-config corpus', () => {
  it('has an expectation for every file, and a file for every expectation', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(100);
    expect(Object.keys(EXPECTATIONS).sort()).toEqual(FILES);
  });

  it.each(FILES)('%s', async (file) => {
    const expected = EXPECTATIONS[file]!;
    const error = await rejection(file);
    if (expected.accepted) {
      expect(error?.message).toBeUndefined();
      return;
    }
    expect(error, `${file} was accepted`).toBeDefined();
    const e = error!;
    expect(e.exitCode).toBe(ExitCode.Usage);
    expect(e.file).toBe(resolve(CORPUS, file));
    for (const want of expected.problems ?? []) {
      const match = e.issues.find((i) => i.path === want.path && new RegExp(want.message).test(i.message));
      expect(match, `${file}: no problem at ${want.path} matching /${want.message}/ in\n${e.message}`).toBeDefined();
      expect(match!.line === undefined ? null : `${match!.line}:${match!.column}`).toBe(want.at);
    }
    expect(e.omittedIssues).toBe(expected.omitted ?? 0);
    expect(e.issues.length).toBeLessThanOrEqual(MAX_CONFIG_ISSUES);
    for (const issue of e.issues) {
      // Every problem names a key (or the file), a position, and a valid example.
      expect(issue.path, file).not.toBe('');
      expect(issue.line, `${file} ${issue.path} has no line`).toBeGreaterThan(0);
      expect(issue.column).toBeGreaterThan(0);
      expect(issue.example?.trim(), `${file} ${issue.path} has no example`).toBeTruthy();
      // An example written as `key: value` shows that key (not `scaleUp:` for scaleDown); an unknown key's shows the right one.
      const exampleKey = /^([A-Za-z]+): /.exec(issue.example!)?.[1];
      const lastKey = /([A-Za-z]+)(\[\d+\])*$/.exec(issue.path)?.[1];
      if (exampleKey && lastKey && !issue.path.startsWith('(') && !issue.message.startsWith('unknown key')) {
        expect(issue.example, `${file} ${issue.path}: example ${issue.example}`).toContain(`${lastKey}:`);
      }
    }
    const text = renderError(e);
    const json = JSON.stringify({ error: e.toJSON() });
    expect(JSON.parse(json).error.issues).toHaveLength(e.issues.length);
    for (const out of [text, json, e.message]) {
      expect(out).not.toMatch(RAW_CONTROL);
      expect(out).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m); // no stack trace
      for (const secret of expected.hidden ?? [])
        for (const form of leakForms(secret))
          expect(out.includes(form), `${file} shows ${secret.slice(0, 4)}…`).toBe(false);
    }
  });
});
