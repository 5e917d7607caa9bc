/**
 * Prices for the cost estimate: a bundled table per region (assets/pricing/<region>.json, with the date it
 * was taken and its source), optionally refreshed for EC2 instance types from the AWS Price List API.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventHost } from '../../engine/host.js';
import { BugError } from '../../errors.js';

export interface PriceTable {
  region: string;
  currency: string;
  /** The day the prices were taken (YYYY-MM-DD). */
  date: string;
  source: string;
  hoursPerMonth: number;
  ec2OnDemandHourly: Record<string, number>;
  spot: { priceFactor: number; note: string };
  eksClusterHourly: number;
  natGateway: { hourly: number; perGb: number; note: string };
  publicIpv4Hourly: number;
  interfaceEndpointHourlyPerAz: number;
  networkLoadBalancer: { hourly: number; lcuHourly: number; baselineLcu: number; note: string };
  auroraServerlessV2: {
    acuHourly: number;
    storageGbMonth: number;
    assumedStorageGb: number;
    peakAcuFraction: number;
    note: string;
  };
  rdsPostgresHourly: Record<string, number>;
  rdsGp3GbMonth: number;
  ebsGp3GbMonth: number;
}

/** Where the bundled tables live, found from this module both in src/ (tsx, tests) and dist/src/ (built). */
export function pricingDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    const candidate = join(dir, 'assets', 'pricing');
    if (existsSync(join(candidate, 'us-east-1.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new BugError('The bundled price tables (assets/pricing) are missing from this installation.');
}

/** The bundled table for a region; other regions fall back to us-east-1 with a warning. */
export async function loadPriceTable(region: string, host: EventHost): Promise<PriceTable> {
  const dir = pricingDirectory();
  const file = join(dir, `${region}.json`);
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as PriceTable;
  host.emit({
    level: 'warn',
    code: 'PLAN_PRICES_OTHER_REGION',
    message: `No bundled price table for ${region}; estimating with us-east-1 prices (use --pricing live for EC2 prices of ${region}).`,
  });
  return JSON.parse(await readFile(join(dir, 'us-east-1.json'), 'utf8')) as PriceTable;
}

/** Minimal shape of the Price List client this module needs (client-pricing's PricingClient). */
export interface PriceListClient {
  send(command: unknown): Promise<{ PriceList?: (string | unknown)[] }>;
}

/**
 * EC2 On-Demand Linux prices from the AWS Price List API (GetProducts, served from us-east-1). Types the API
 * does not answer for keep the table's price; any failure falls back to the table with a warning.
 */
export async function livePrices(
  table: PriceTable,
  instanceTypes: string[],
  region: string,
  client: PriceListClient,
  host: EventHost,
): Promise<PriceTable> {
  const { GetProductsCommand } = await import('@aws-sdk/client-pricing');
  const prices = { ...table.ec2OnDemandHourly };
  const missing: string[] = [];
  try {
    for (const instanceType of [...new Set(instanceTypes)].sort()) {
      const response = await client.send(
        new GetProductsCommand({
          ServiceCode: 'AmazonEC2',
          Filters: [
            { Type: 'TERM_MATCH', Field: 'instanceType', Value: instanceType },
            { Type: 'TERM_MATCH', Field: 'regionCode', Value: region },
            { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
            { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
            { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
            { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
          ],
          MaxResults: 10,
        }),
      );
      const price = onDemandUsd(response.PriceList ?? []);
      if (price === undefined) missing.push(instanceType);
      else prices[instanceType] = price;
    }
  } catch (error) {
    host.emit({
      level: 'warn',
      code: 'PLAN_PRICES_LIVE_FAILED',
      message: `The AWS Price List API could not be read (${error instanceof Error ? error.message : String(error)}); using the bundled prices of ${table.date}.`,
    });
    return table;
  }
  if (missing.length > 0)
    host.emit({
      level: 'warn',
      code: 'PLAN_PRICES_LIVE_MISSING',
      message: `No live price for ${missing.join(', ')}; using the bundled prices of ${table.date} for them.`,
    });
  return {
    ...table,
    ec2OnDemandHourly: prices,
    date: new Date().toISOString().slice(0, 10),
    source: `AWS Price List API (EC2 instances) on ${new Date().toISOString().slice(0, 10)}; other prices: ${table.source}`,
  };
}

/** The hourly USD price of the first On-Demand term in a GetProducts answer. */
export function onDemandUsd(priceList: (string | unknown)[]): number | undefined {
  for (const entry of priceList) {
    const product = (typeof entry === 'string' ? JSON.parse(entry) : entry) as {
      terms?: {
        OnDemand?: Record<
          string,
          { priceDimensions?: Record<string, { unit?: string; pricePerUnit?: { USD?: string } }> }
        >;
      };
    };
    for (const term of Object.values(product.terms?.OnDemand ?? {})) {
      for (const dimension of Object.values(term.priceDimensions ?? {})) {
        const usd = Number(dimension.pricePerUnit?.USD);
        if (dimension.unit === 'Hrs' && Number.isFinite(usd) && usd > 0) return usd;
      }
    }
  }
  return undefined;
}
