/**
 * Deterministic ustar archives: entries sorted by path, fixed mtime, mode, owner and type, so identical
 * content always gives identical bytes and therefore an identical hash (and Coder deduplicates the file).
 */
import { createHash } from 'node:crypto';
import { pack } from 'tar-stream';

export interface ArchiveFile {
  /** Relative path with forward slashes, e.g. `base/main.tf`. */
  path: string;
  content: string;
}

/** 2020-01-01T00:00:00Z: a fixed mtime for every entry. */
export const FIXED_MTIME = new Date(Date.UTC(2020, 0, 1));

export async function deterministicTar(files: readonly ArchiveFile[]): Promise<Buffer> {
  const seen = new Set<string>();
  for (const file of files) {
    if (file.path.startsWith('/') || file.path.split('/').includes('..'))
      throw new Error(`archive path must be relative: ${file.path}`);
    if (seen.has(file.path)) throw new Error(`duplicate archive path: ${file.path}`);
    seen.add(file.path);
  }
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const finished = new Promise<void>((resolve, reject) => {
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  for (const file of sorted) {
    await new Promise<void>((resolve, reject) => {
      archive.entry(
        { name: file.path, mode: 0o644, mtime: FIXED_MTIME, uid: 0, gid: 0, uname: '', gname: '', type: 'file' },
        Buffer.from(file.content, 'utf8'),
        (error) => (error ? reject(error) : resolve()),
      );
    });
  }
  archive.finalize();
  await finished;
  return Buffer.concat(chunks);
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
