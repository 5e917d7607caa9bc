/**
 * The one AWS client factory, and the boundary where SDK errors become ExternalErrors that name the
 * operation, the resource and the next step. Client classes are passed in by callers that import them
 * lazily, so this module loads no SDK code itself.
 *
 * Credentials: the SDK's standard provider chain (env, SSO, profiles, instance roles), or the named
 * profile. Retries: the SDK's adaptive mode. Endpoints: the SDK's own AWS_ENDPOINT_URL* support.
 */
import { ExternalError } from '../errors.js';

export interface AwsClientOptions {
  region: string;
  /** Shared-config profile (`--aws-profile`). */
  profile?: string | undefined;
  /** @default 5 */
  maxAttempts?: number;
  /** Client-specific settings, e.g. S3's forcePathStyle. */
  extra?: Record<string, unknown>;
}

type ClientConstructor<C> = new (config: Record<string, unknown>) => C;

/** Build any v3 client with our defaults. Callers own the client's lifetime. */
export function createAwsClient<C>(Client: ClientConstructor<C>, options: AwsClientOptions): C {
  return new Client({
    region: options.region,
    ...(options.profile ? { profile: options.profile } : {}),
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? 5,
    ...options.extra,
  });
}

/** Keeps one client per class and region for a run (global quotas are read in us-east-1). */
export class AwsClients {
  private readonly cache = new Map<string, unknown>();
  constructor(readonly options: AwsClientOptions) {}

  get<C>(Client: ClientConstructor<C>, region = this.options.region): C {
    const key = `${Client.name}@${region}`;
    let client = this.cache.get(key) as C | undefined;
    if (!client) {
      client = createAwsClient(Client, { ...this.options, region });
      this.cache.set(key, client);
    }
    return client;
  }
}

const CREDENTIAL_ERRORS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'CredentialsProviderError',
  'InvalidSignatureException',
  'TokenRefreshRequired',
  'SignatureDoesNotMatch',
  'AuthFailure',
]);
const ACCESS_ERRORS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'Forbidden',
]);
const THROTTLE_ERRORS = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'PriorRequestNotComplete',
]);

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET', 'TimeoutError']);

export type AwsErrorClass = 'credentials' | 'access-denied' | 'throttled' | 'not-found' | 'network' | 'other';

export function classifyAwsError(error: unknown): AwsErrorClass {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? e?.code ?? '';
  if (CREDENTIAL_ERRORS.has(name) || /Could not load credentials|credential/i.test(name)) return 'credentials';
  if (ACCESS_ERRORS.has(name)) return 'access-denied';
  if (THROTTLE_ERRORS.has(name)) return 'throttled';
  if (/NotFound|NoSuch/.test(name) || e?.$metadata?.httpStatusCode === 404) return 'not-found';
  // Node's DNS and socket errors carry their kind in `code` (name is just "Error"), also on a fetch's cause.
  const codes = [name, (error as { code?: string })?.code, (error as { cause?: { code?: string } })?.cause?.code];
  if (codes.some((c) => c !== undefined && NETWORK_ERRORS.has(c))) return 'network';
  return 'other';
}

/**
 * Wrap an SDK error. `operation` is the IAM action form (`ec2:DescribeVpcs`), so AccessDenied can say
 * exactly which permission is missing.
 */
export function wrapAwsError(error: unknown, operation: string, resource?: string): ExternalError {
  if (error instanceof ExternalError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const kind = classifyAwsError(error);
  const nextSteps: Record<AwsErrorClass, string[]> = {
    credentials: [
      'Your AWS credentials are missing or expired: run `aws sso login` (or refresh your keys) and re-run.',
      'Pass --aws-profile NAME to pick a profile.',
    ],
    'access-denied': [
      `Grant the IAM action ${operation}${resource ? ` on ${resource}` : ''} to the identity you run as, then re-run.`,
    ],
    throttled: ['AWS throttled the request after retries; wait a minute and re-run (completed steps are kept).'],
    'not-found': [],
    network: [
      `AWS could not be reached (${networkCause(error)}): check the network connection, DNS, the proxy (HTTPS_PROXY) and any AWS_ENDPOINT_URL settings, then re-run (completed steps are kept).`,
    ],
    other: [],
  };
  const prefix =
    kind === 'access-denied'
      ? `access denied (IAM action ${operation}): `
      : kind === 'credentials'
        ? 'credentials are missing, invalid or expired: '
        : '';
  return new ExternalError('aws', operation, `${prefix}${message}`, {
    ...(resource ? { resource } : {}),
    nextSteps: nextSteps[kind],
    cause: error,
  });
}

/** Run one SDK call and wrap its failure. */
export async function awsCall<T>(operation: string, call: () => Promise<T>, resource?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw wrapAwsError(error, operation, resource);
  }
}

/** `ENOTFOUND sts.us-east-1.amazonaws.com`: the code and host of a network error, for the next step. */
function networkCause(error: unknown): string {
  const e = error as { code?: string; name?: string; hostname?: string; cause?: { code?: string; hostname?: string } };
  const code =
    [e?.code, e?.cause?.code, e?.name].find((c) => c !== undefined && NETWORK_ERRORS.has(c)) ?? 'network error';
  const host = e?.hostname ?? e?.cause?.hostname;
  return host ? `${code} ${host}` : code;
}
