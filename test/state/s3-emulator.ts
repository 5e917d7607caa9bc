/**
 * An in-memory S3 bucket store with S3's documented conditional-request semantics, used two ways:
 * behind aws-sdk-client-mock (`installS3Mock`, in-process tests through the real SDK commands) and as an
 * S3-compatible HTTP server on 127.0.0.1 (`startS3Server`) that real child processes reach through the
 * SDK's AWS_ENDPOINT_URL_S3 setting.
 *
 * Semantics (S3 user guide, "conditional writes" / "conditional deletes"):
 * - PutObject `If-None-Match: *`: 412 PreconditionFailed when the key has a current version.
 * - PutObject `If-Match: etag`: 412 when the current version's ETag differs; 404 NoSuchKey when the key
 *   has no current version.
 * - A conditional write that another write on the same key completed during (it started before that
 *   write committed) gets 409 ConditionalRequestConflict; the client should re-read and retry.
 * - DeleteObject `If-Match`: 412 on a different ETag, 404 NoSuchKey when there is no current version;
 *   only the current version is evaluated. With versioning a delete adds a delete marker.
 * - Every write in a versioned bucket keeps the previous version (noncurrent).
 * `gate(key)` pauses a key's writes between start and commit so a test can interleave them exactly.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Version {
  body: string;
  etag: string;
  versionId: string;
  deleteMarker: boolean;
}

export class S3EmulatorError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface BucketState {
  region: string;
  versioning?: string;
  encryption?: unknown;
  publicAccessBlock?: unknown;
  policy?: string;
  lifecycle?: unknown;
  objects: Map<string, Version[]>;
  /** Commit counter per key, to detect writes that completed during another conditional write. */
  commits: Map<string, number>;
}

export class S3Emulator {
  readonly buckets = new Map<string, BucketState>();
  private counter = 0;
  private readonly gates = new Map<string, { opened: Promise<void>; arrived: () => void; waiting: Promise<void> }>();
  /** Every request, in order: `OP key [condition] -> status`. */
  readonly log: string[] = [];

  createBucket(name: string, region: string): void {
    if (this.buckets.has(name))
      throw new S3EmulatorError(
        'BucketAlreadyOwnedByYou',
        409,
        'Your previous request to create the named bucket succeeded and you already own it.',
      );
    this.buckets.set(name, { region, objects: new Map(), commits: new Map() });
  }

  bucket(name: string): BucketState {
    const b = this.buckets.get(name);
    if (b === undefined) throw new S3EmulatorError('NoSuchBucket', 404, 'The specified bucket does not exist');
    return b;
  }

  current(bucket: string, key: string): Version | undefined {
    const versions = this.bucket(bucket).objects.get(key);
    const last = versions?.[versions.length - 1];
    return last === undefined || last.deleteMarker ? undefined : last;
  }

  /** Every version of a key, oldest first (delete markers included). */
  versions(bucket: string, key: string): Version[] {
    return [...(this.bucket(bucket).objects.get(key) ?? [])];
  }

  /**
   * Pause writes to `key` before they commit. Resolves `arrived` when the first write is waiting;
   * call `open()` to let every paused write continue.
   */
  gate(key: string): { arrived: Promise<void>; open: () => void } {
    let open!: () => void;
    let arrived!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    const waiting = new Promise<void>((r) => (arrived = r));
    this.gates.set(key, { opened, arrived, waiting });
    return {
      arrived: waiting,
      open: () => {
        this.gates.delete(key);
        open();
      },
    };
  }

  private async pause(key: string): Promise<void> {
    const g = this.gates.get(key);
    if (g === undefined) return;
    g.arrived();
    await g.opened;
  }

  private record(op: string, key: string, cond: string, status: number): void {
    this.log.push(`${op} ${key}${cond === '' ? '' : ` ${cond}`} -> ${status}`);
  }

  async putObject(
    bucket: string,
    key: string,
    body: string,
    cond: { ifMatch?: string; ifNoneMatch?: string } = {},
  ): Promise<Version> {
    const b = this.bucket(bucket);
    const condText =
      cond.ifNoneMatch !== undefined
        ? `If-None-Match:${cond.ifNoneMatch}`
        : cond.ifMatch !== undefined
          ? `If-Match:${cond.ifMatch}`
          : '';
    const startedAt = b.commits.get(key) ?? 0;
    await this.pause(key);
    const conditional = condText !== '';
    try {
      if (conditional && (b.commits.get(key) ?? 0) !== startedAt) {
        throw new S3EmulatorError(
          'ConditionalRequestConflict',
          409,
          'A conflicting operation occurred. If using PutObject you can retry the request.',
        );
      }
      const cur = this.current(bucket, key);
      if (cond.ifNoneMatch === '*' && cur !== undefined)
        throw new S3EmulatorError(
          'PreconditionFailed',
          412,
          'At least one of the pre-conditions you specified did not hold',
        );
      if (cond.ifMatch !== undefined) {
        if (cur === undefined) throw new S3EmulatorError('NoSuchKey', 404, 'The specified key does not exist.');
        if (cond.ifMatch !== '*' && cond.ifMatch !== cur.etag)
          throw new S3EmulatorError(
            'PreconditionFailed',
            412,
            'At least one of the pre-conditions you specified did not hold',
          );
      }
    } catch (error) {
      this.record('PUT', key, condText, (error as S3EmulatorError).status);
      throw error;
    }
    this.counter += 1;
    const version: Version = {
      body,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      versionId: `v${this.counter}`,
      deleteMarker: false,
    };
    this.commit(b, key, version);
    this.record('PUT', key, condText, 200);
    return version;
  }

  private commit(b: BucketState, key: string, version: Version): void {
    const list = b.objects.get(key) ?? [];
    if (b.versioning === 'Enabled') list.push(version);
    else list.splice(0, list.length, version);
    b.objects.set(key, list);
    b.commits.set(key, (b.commits.get(key) ?? 0) + 1);
  }

  getObject(bucket: string, key: string): Version {
    const cur = this.current(bucket, key);
    this.record('GET', key, '', cur === undefined ? 404 : 200);
    if (cur === undefined) throw new S3EmulatorError('NoSuchKey', 404, 'The specified key does not exist.');
    return cur;
  }

  async deleteObject(bucket: string, key: string, ifMatch?: string): Promise<void> {
    const b = this.bucket(bucket);
    const condText = ifMatch === undefined ? '' : `If-Match:${ifMatch}`;
    await this.pause(key);
    const cur = this.current(bucket, key);
    if (ifMatch !== undefined) {
      const fail =
        cur === undefined
          ? new S3EmulatorError('NoSuchKey', 404, 'The specified key does not exist.')
          : ifMatch !== '*' && ifMatch !== cur.etag
            ? new S3EmulatorError(
                'PreconditionFailed',
                412,
                'At least one of the pre-conditions you specified did not hold',
              )
            : undefined;
      if (fail !== undefined) {
        this.record('DELETE', key, condText, fail.status);
        throw fail;
      }
    }
    if (b.versioning === 'Enabled') {
      this.counter += 1;
      this.commit(b, key, { body: '', etag: '', versionId: `v${this.counter}`, deleteMarker: true });
    } else {
      b.objects.delete(key);
      b.commits.set(key, (b.commits.get(key) ?? 0) + 1);
    }
    this.record('DELETE', key, condText, 204);
  }

  listKeys(bucket: string, prefix: string): string[] {
    const b = this.bucket(bucket);
    return [...b.objects.keys()].filter((k) => k.startsWith(prefix) && this.current(bucket, k) !== undefined).sort();
  }

  /** Every current object's text in a bucket. */
  allBodies(bucket: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const key of this.listKeys(bucket, '')) out.set(key, (this.current(bucket, key) as Version).body);
    return out;
  }
}

// ---------------------------------------------------------------- HTTP server (path-style S3 REST subset)

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function sendError(res: ServerResponse, error: unknown): void {
  const e = error instanceof S3EmulatorError ? error : new S3EmulatorError('InternalError', 500, String(error));
  res.writeHead(e.status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error>`,
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Undo aws-chunked content encoding, if the SDK used it. */
function decodeBody(raw: string, req: IncomingMessage): string {
  if (
    !String(req.headers['content-encoding'] ?? '').includes('aws-chunked') &&
    req.headers['x-amz-decoded-content-length'] === undefined
  )
    return raw;
  let out = '';
  let rest = raw;
  for (;;) {
    const nl = rest.indexOf('\r\n');
    if (nl < 0) break;
    const size = Number.parseInt(rest.slice(0, nl).split(';')[0] ?? '0', 16);
    if (!(size > 0)) break;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
  return out;
}

async function handle(
  emulator: S3Emulator,
  req: IncomingMessage,
  res: ServerResponse,
  onRequest?: (op: string, key: string) => Promise<void>,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const method = req.method ?? 'GET';
  try {
    if (bucket === '') throw new S3EmulatorError('AccessDenied', 403, 'This emulator serves S3 object requests only.');
    await onRequest?.(method, key);
    if (method === 'GET' && key === '' && url.searchParams.get('list-type') === '2') {
      const keys = emulator.listKeys(bucket, url.searchParams.get('prefix') ?? '');
      const contents = keys
        .map(
          (k) =>
            `<Contents><Key>${xmlEscape(k)}</Key><ETag>${xmlEscape(emulator.current(bucket, k)?.etag ?? '')}</ETag></Contents>`,
        )
        .join('');
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><KeyCount>${keys.length}</KeyCount><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
      );
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      const v = emulator.getObject(bucket, key);
      res.writeHead(200, {
        etag: v.etag,
        'x-amz-version-id': v.versionId,
        'content-type': 'application/octet-stream',
        'content-length': Buffer.byteLength(v.body),
      });
      res.end(method === 'HEAD' ? undefined : v.body);
      return;
    }
    if (method === 'PUT') {
      const body = decodeBody(await readBody(req), req);
      const ifMatch = req.headers['if-match'] as string | undefined;
      const ifNoneMatch = req.headers['if-none-match'] as string | undefined;
      const v = await emulator.putObject(bucket, key, body, {
        ...(ifMatch === undefined ? {} : { ifMatch }),
        ...(ifNoneMatch === undefined ? {} : { ifNoneMatch }),
      });
      res.writeHead(200, { etag: v.etag, 'x-amz-version-id': v.versionId });
      res.end();
      return;
    }
    if (method === 'DELETE') {
      await emulator.deleteObject(bucket, key, req.headers['if-match'] as string | undefined);
      res.writeHead(204);
      res.end();
      return;
    }
    throw new S3EmulatorError('NotImplemented', 501, `${method} is not implemented by the emulator`);
  } catch (error) {
    sendError(res, error);
  }
}

/** Serve the emulator over HTTP on 127.0.0.1 (random port). `onRequest` runs before each object request. */
export async function startS3Server(
  emulator: S3Emulator,
  onRequest?: (method: string, key: string) => Promise<void>,
): Promise<{ url: string; close: () => Promise<void>; server: Server }> {
  const server = createServer((req, res) => {
    void handle(emulator, req, res, onRequest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
