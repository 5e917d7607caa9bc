/** The one setting for upstream Coder files (test/upstream.ts): default, override, both layouts, the message. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UPSTREAM_COMMIT, UPSTREAM_SKIP_MARKER, missingMessage, resolveUpstream } from './upstream.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'cp-upstream-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tree(root: string, files: string[]): string {
  for (const f of files) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), '');
  }
  return root;
}

describe('CODER_UPSTREAM_DIR', () => {
  it('defaults to ../shared/coder beside the project and takes the variable (relative to the project) instead', () => {
    const project = path.join(scratch, 'p', 'coder-platform');
    expect(resolveUpstream({}, project)).toMatchObject({
      dir: path.join(scratch, 'p', 'shared', 'coder'),
      source: 'default',
    });
    expect(resolveUpstream({ CODER_UPSTREAM_DIR: '../up' }, project)).toMatchObject({
      dir: path.join(scratch, 'p', 'up'),
      source: 'env',
    });
  });

  it('accepts the curated copy and a plain coder/coder checkout, and names what is missing', () => {
    const curated = tree(path.join(scratch, 'curated'), [
      'swagger.json',
      'database/dump.sql',
      'helm/coder/testdata/a.yaml',
      'helm/provisioner/testdata/a.yaml',
    ]);
    const checkout = tree(path.join(scratch, 'checkout'), [
      'coderd/apidoc/swagger.json',
      'coderd/database/dump.sql',
      'helm/coder/tests/testdata/a.yaml',
      'helm/provisioner/tests/testdata/a.yaml',
    ]);
    expect(resolveUpstream({ CODER_UPSTREAM_DIR: curated }).missing).toEqual([]);
    expect(resolveUpstream({ CODER_UPSTREAM_DIR: checkout }).missing).toEqual([]);
    const partial = tree(path.join(scratch, 'partial'), ['swagger.json']);
    expect(resolveUpstream({ CODER_UPSTREAM_DIR: partial }).missing).toEqual([
      'dumpSql',
      'coderChart',
      'provisionerChart',
      'coderTestdata',
      'provisionerTestdata',
    ]);
  });

  it('tells which commit to check out and how to point at it', () => {
    const message = missingMessage(resolveUpstream({ CODER_UPSTREAM_DIR: path.join(scratch, 'none') }));
    expect(message.startsWith(UPSTREAM_SKIP_MARKER)).toBe(true);
    expect(message).toContain(`git -C coder checkout ${UPSTREAM_COMMIT}`);
    expect(message).toContain('CODER_UPSTREAM_DIR=$PWD/coder npm test');
    expect(message).toContain(path.join(scratch, 'none'));
  });

  it('the pinned commit is the one ../shared/coder/VERSION.md records, when that copy is used', async () => {
    const { upstream } = await import('./upstream.js');
    const version = path.join(upstream.dir, 'VERSION.md');
    const { existsSync, readFileSync } = await import('node:fs');
    if (!existsSync(version)) return; // a coder/coder checkout has no VERSION.md; its commit is the one checked out
    expect(readFileSync(version, 'utf8')).toContain(UPSTREAM_COMMIT);
  });
});
