/**
 * EKS bearer tokens without the AWS CLI: a presigned STS GetCallerIdentity URL carrying the cluster name
 * in the signed `x-k8s-aws-id` header, base64url-encoded behind `k8s-aws-v1.` (the aws-iam-authenticator
 * format `aws eks get-token` produces). The API server replays the URL against STS to learn who we are.
 * @smithy/signature-v4 and the credential chain are imported lazily.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** STS accepts the presigned URL for this long; aws-iam-authenticator uses 60 s. */
export const PRESIGN_EXPIRES_SECONDS = 60;
/** Tokens are valid for 15 minutes; we tell kubectl 14 so it refreshes early. */
export const TOKEN_LIFETIME_MS = 14 * 60 * 1000;

export interface AwsCredentialsLike {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ExecCredential {
  kind: 'ExecCredential';
  apiVersion: 'client.authentication.k8s.io/v1beta1';
  spec: Record<string, never>;
  status: { expirationTimestamp: string; token: string };
}

function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** SHA-256 / HMAC-SHA-256 in the shape SignatureV4 expects (node:crypto, no extra package). */
class NodeSha256 {
  private hash: Hash | Hmac;
  private readonly secret: string | Uint8Array | undefined;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined || typeof secret === 'string' ? secret : toBytes(secret);
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

/** The STS endpoint of a region (regional endpoints; China regions use amazonaws.com.cn). */
export function stsHostname(region: string): string {
  return `sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** Presign `GET https://sts.<region>…/?Action=GetCallerIdentity&Version=2011-06-15` for the cluster. */
export async function presignedCallerIdentityUrl(options: {
  clusterName: string;
  region: string;
  credentials: AwsCredentialsLike | (() => Promise<AwsCredentialsLike>);
  now?: Date;
}): Promise<string> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const hostname = stsHostname(options.region);
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: 'sts',
    sha256: NodeSha256,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, 'x-k8s-aws-id': options.clusterName },
    },
    { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate: options.now ?? new Date() },
  );
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as const) : v === null ? [] : [[k, v] as const]))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `https://${hostname}/?${query}`;
}

/** `k8s-aws-v1.<base64url(url) without padding>` */
export function tokenFromUrl(url: string): string {
  return EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}

/** The ExecCredential kubectl reads from the credential plugin's stdout. */
export async function eksExecCredential(options: {
  clusterName: string;
  region: string;
  credentials: AwsCredentialsLike | (() => Promise<AwsCredentialsLike>);
  now?: Date;
}): Promise<ExecCredential> {
  const now = options.now ?? new Date();
  const url = await presignedCallerIdentityUrl({ ...options, now });
  return {
    kind: 'ExecCredential',
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    spec: {},
    status: {
      // RFC 3339 without milliseconds, as client-go expects
      expirationTimestamp: new Date(now.getTime() + TOKEN_LIFETIME_MS).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      token: tokenFromUrl(url),
    },
  };
}

/** Credentials from the default chain (environment, profile, SSO, instance role), lazily loaded. */
export async function defaultCredentials(profile: string | undefined): Promise<() => Promise<AwsCredentialsLike>> {
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  return fromNodeProviderChain(profile === undefined ? {} : { profile });
}
