/**
 * The HTTP transport of the Coder client: one request with the session token, a timeout, JSON in and out,
 * and Coder's error statuses turned into typed errors. Errors never carry request bodies, so passwords,
 * tokens and license JWTs cannot leak through them.
 */
import { ExternalError } from '../errors.js';
import type { CoderResponse } from './types.js';

export interface CoderClientOptions {
  /** e.g. `https://coder.example.com` (a trailing slash is ignored). */
  baseUrl: string;
  sessionToken?: string;
  fetch?: typeof fetch;
  /** Per request. @default 30000 */
  timeoutMs?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  raw?: { data: Uint8Array; contentType: string };
  /** Send the session token. @default true */
  auth?: boolean;
  /** Statuses that resolve to `undefined` instead of an error (e.g. 404 for lookups). */
  tolerate?: number[];
}

export interface RawResponse<T> {
  status: number;
  data: T | undefined;
}

/** A Coder error status as a typed error, so callers can branch on the status without parsing text. */
export class CoderApiError extends ExternalError {
  constructor(
    operation: string,
    message: string,
    readonly status: number,
    readonly response: CoderResponse | undefined,
    options: { nextSteps?: string[]; resource?: string } = {},
  ) {
    super('coder', operation, message, options);
  }
}

/** Sends requests for CoderClient, which adds one method per endpoint. */
export class CoderTransport {
  readonly baseUrl: string;
  protected readonly fetchImpl: typeof fetch;
  protected readonly timeoutMs: number;
  protected sessionToken: string | undefined;

  constructor(options: CoderClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.sessionToken = options.sessionToken;
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  get authenticated(): boolean {
    return this.sessionToken !== undefined;
  }

  protected async json<T>(method: string, path: string, template: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send<T>(method, path, template, options);
    return response.data as T;
  }

  protected async maybe<T>(
    method: string,
    path: string,
    template: string,
    options: RequestOptions = {},
  ): Promise<T | undefined> {
    const response = await this.send<T>(method, path, template, {
      ...options,
      tolerate: [...(options.tolerate ?? []), 404],
    });
    return response.status === 404 ? undefined : response.data;
  }

  protected async send<T>(
    method: string,
    path: string,
    template: string,
    options: RequestOptions = {},
  ): Promise<RawResponse<T>> {
    const operation = `${method} ${template}`;
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.auth !== false) {
      if (this.sessionToken === undefined)
        throw new CoderApiError(
          operation,
          'no session token: this call needs an authenticated client',
          401,
          undefined,
          { nextSteps: SESSION_NEXT_STEPS },
        );
      headers['Coder-Session-Token'] = this.sessionToken;
    }
    let body: RequestInit['body'];
    if (options.raw) {
      headers['Content-Type'] = options.raw.contentType;
      body = new Uint8Array(options.raw.data);
    } else if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }

    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error
          ? error.name === 'TimeoutError'
            ? `no answer within ${this.timeoutMs} ms`
            : error.message
          : String(error);
      throw new CoderApiError(operation, `${this.baseUrl} could not be reached: ${reason}`, 0, undefined, {
        nextSteps: ['Check that the access URL resolves and Coder is running (`GET /healthz`), then re-run.'],
      });
    }

    const text = await response.text();
    const parsed = parseJson(text);
    if (response.ok || options.tolerate?.includes(response.status)) {
      return { status: response.status, data: (response.ok ? parsed : undefined) as T | undefined };
    }
    const coderResponse = isCoderResponse(parsed) ? parsed : undefined;
    throw errorFor(operation, response.status, coderResponse, text);
  }
}

const SESSION_NEXT_STEPS = [
  'The Coder session token is expired or invalid: re-run `coder-platform day1 --only first-admin` to log in again and store a fresh token in Secrets Manager.',
];

function errorFor(operation: string, status: number, response: CoderResponse | undefined, text: string): CoderApiError {
  const detail = response
    ? [response.message, response.detail].filter(Boolean).join(': ')
    : text.slice(0, 200) || `HTTP ${status}`;
  const validations = response?.validations?.length
    ? ` (${response.validations.map((v) => `${v.field}: ${v.detail}`).join('; ')})`
    : '';
  if (status === 401) {
    return new CoderApiError(operation, `session token expired or invalid (HTTP 401: ${detail})`, status, response, {
      nextSteps: SESSION_NEXT_STEPS,
    });
  }
  if (status === 403) {
    return new CoderApiError(operation, `forbidden (HTTP 403: ${detail})`, status, response, {
      nextSteps: [
        'The token must belong to an owner, and premium features need a license with the matching entitlement (see `GET /api/v2/entitlements`).',
      ],
    });
  }
  if (status === 429) {
    return new CoderApiError(operation, `rate limited (HTTP 429: ${detail})`, status, response, {
      nextSteps: ['Wait a minute and re-run; completed steps are kept.'],
    });
  }
  return new CoderApiError(operation, `HTTP ${status}: ${detail}${validations}`, status, response);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isCoderResponse(value: unknown): value is CoderResponse {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}
