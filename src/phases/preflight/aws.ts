/**
 * The preflight's door to AWS: SDK v3 clients from the shared factory (loaded lazily, one per class and
 * region), every call wrapped so AccessDenied names the IAM action and expired credentials say so
 * (src/aws/clients.ts), a second chance for throttling that outlived the SDK's own adaptive retries,
 * and client-side rate limits for Service Quotas (aws-quotas.md §3: List* 10/s + burst 10, Get* and
 * the request-history calls 5/s + burst 5; at most a few calls in flight per service).
 */
import { AwsClients, classifyAwsError, wrapAwsError, type AwsClientOptions } from '../../aws/clients.js';
import { realSleep, Semaphore, TokenBucket, type Sleep } from './limiter.js';

export interface PreflightAwsOptions extends AwsClientOptions {
  /** Back-off sleep between throttled attempts; injected by tests. */
  sleep?: Sleep;
  /** Attempts of our own retry around throttled calls (each SDK call already retries adaptively). @default 3 */
  throttleAttempts?: number;
  /** First back-off in ms, doubled per attempt. @default 500 */
  backoffMs?: number;
}

/** Service Quotas API limits per second (burst equals the rate), not adjustable. */
const SERVICE_QUOTAS_RATES: Record<string, number> = {
  ListServiceQuotas: 10,
  ListAWSDefaultServiceQuotas: 10,
  GetServiceQuota: 5,
  GetAWSDefaultServiceQuota: 5,
  GetRequestedServiceQuotaChange: 5,
  ListRequestedServiceQuotaChangeHistory: 5,
  ListRequestedServiceQuotaChangeHistoryByQuota: 5,
  RequestServiceQuotaIncrease: 5,
};
/** Calls in flight per service (Service Quotas' largest burst is 10; the per-API buckets keep each API at its own rate). */
const SERVICE_CONCURRENCY: Record<string, number> = { servicequotas: 10 };

type ClientConstructor<C> = new (config: Record<string, unknown>) => C;

export class PreflightAws {
  readonly region: string;
  private readonly clients: AwsClients;
  private readonly sleep: Sleep;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly semaphores = new Map<string, Semaphore>();

  constructor(private readonly options: PreflightAwsOptions) {
    this.region = options.region;
    this.clients = new AwsClients({
      region: options.region,
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    });
    this.sleep = options.sleep ?? realSleep;
  }

  /** A client of the given class, in the deployment region unless another is named. */
  client<C>(Client: ClientConstructor<C>, region = this.region): C {
    return this.clients.get(Client, region);
  }

  /**
   * Run one SDK call. `operation` is the IAM action (`ec2:DescribeVpcs`): it names the permission on
   * AccessDenied and selects the rate limit.
   */
  async call<T>(operation: string, fn: () => Promise<T>, resource?: string): Promise<T> {
    const [service = '', api = ''] = operation.split(':');
    const attempts = this.options.throttleAttempts ?? 3;
    const backoff = this.options.backoffMs ?? 500;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.limited(service, api, fn);
      } catch (error) {
        if (classifyAwsError(error) === 'throttled' && attempt < attempts) {
          await this.sleep(backoff * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
          continue;
        }
        throw wrapAwsError(error, operation, resource);
      }
    }
  }

  /** Follow a paginated listing to its end (AWS warns pages can be short while more exist). */
  async paginate<P, T>(
    operation: string,
    page: (token: string | undefined) => Promise<P>,
    items: (page: P) => T[] | undefined,
    next: (page: P) => string | undefined,
    resource?: string,
  ): Promise<T[]> {
    const all: T[] = [];
    let token: string | undefined;
    do {
      const current = token;
      const result = await this.call(operation, () => page(current), resource);
      all.push(...(items(result) ?? []));
      token = next(result);
    } while (token);
    return all;
  }

  private async limited<T>(service: string, api: string, fn: () => Promise<T>): Promise<T> {
    const rate = service === 'servicequotas' ? SERVICE_QUOTAS_RATES[api] : undefined;
    const concurrency = SERVICE_CONCURRENCY[service];
    const go = async (): Promise<T> => {
      if (rate !== undefined) await this.bucket(api, rate).acquire();
      return fn();
    };
    if (concurrency === undefined) return go();
    let semaphore = this.semaphores.get(service);
    if (!semaphore) {
      semaphore = new Semaphore(concurrency);
      this.semaphores.set(service, semaphore);
    }
    return semaphore.run(go);
  }

  private bucket(api: string, rate: number): TokenBucket {
    let bucket = this.buckets.get(api);
    if (!bucket) {
      bucket = new TokenBucket(rate, rate); // real time: the limit is AWS's, not the test's
      this.buckets.set(api, bucket);
    }
    return bucket;
  }
}
