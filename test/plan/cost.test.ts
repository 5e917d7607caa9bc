import { describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { estimateCost, peakHoursPerMonth } from '../../src/phases/plan/cost.js';
import { loadPriceTable, onDemandUsd } from '../../src/phases/plan/pricing.js';
import { testConfig } from '../day0/fakes.js';

describe('cost estimate', () => {
  it('mvp-500 equals the hand-computed total, 24×7 and with the business-hours schedule', async () => {
    const table = await loadPriceTable('us-east-1', new RecordingHost());
    const cost = estimateCost(testConfig('mvp-500'), table);

    // By hand (us-east-1 table, 730 h/month). Schedule: Mon–Fri 06:45–18:15 = 5 × 11.5 h = 57.5 h/week
    // → 57.5 × 730 / 168 = 249.85 peak hours, 480.15 off-hours.
    const H = 730;
    const peak = (57.5 * 730) / 168;
    const off = H - peak;
    const system = 2 * 0.1008 * H; // coder-system 2 × m7i.large, not scheduled
    const prov24 = 2 * 0.357 * H; // coder-prov c7i.2xlarge, peak 2
    const provScheduled = (2 * peak + 1 * off) * 0.357; // … off-hours 1
    const ws24 = 10 * 2.4192 * H; // coder-ws m7i.12xlarge, peak 10
    const wsScheduled = (10 * peak + 2 * off) * 2.4192; // … off-hours 2
    const roots24 = (2 * 50 + 2 * 100 + 10 * 100) * 0.08; // root volumes, gp3
    const rootsScheduled = (2 * 50 + ((2 * peak + off) / H) * 100 + ((10 * peak + 2 * off) / H) * 100) * 0.08;
    const eks = 0.1 * H;
    const nat = 1 * 0.045 * H;
    const ipv4 = (1 + 2) * 0.005 * H; // 1 NAT EIP + NLB in 2 AZs
    const endpoints = 2 * 2 * 0.01 * H; // ecr.api + ecr.dkr in 2 AZs
    const nlb = (0.0225 + 0.006) * H;
    const rds = 0.187 * 2 * H + 100 * 2 * 0.115; // db.m7i.large Multi-AZ + 100 GiB gp3 × 2
    const workspaces = 500 * (0.25 * 20 + 0.6 * 50 + 0.15 * 100) * 0.08; // 25,000 GiB
    const fixed = system + eks + nat + ipv4 + endpoints + nlb + rds + workspaces;

    expect(cost.monthly24x7).toBeCloseTo(fixed + prov24 + ws24 + roots24, 2);
    expect(cost.monthlyWithSchedule).toBeCloseTo(fixed + provScheduled + wsScheduled + rootsScheduled, 2);
    expect(cost.monthly24x7).toBeCloseTo(20895.37, 2);
    expect(cost.monthlyWithSchedule).toBeCloseTo(11383.99, 2);
    expect(cost.tableDate).toBe(table.date);
    expect(cost.tableDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(cost.lines.find((l) => l.item.startsWith('Node group coder-ws'))).toMatchObject({
      quantity: 10,
      unitPrice: 2.4192,
      monthly24x7: 17660.16,
    });
    // the scheduled figure is a floor: the scale-up never lowers desired and the scale-down lowers only min
    expect(cost.assumptions).toContainEqual(
      expect.stringMatching(
        /a floor\. The morning sets desired to max\(current, peak\) and the evening lowers only the minimum/,
      ),
    );
  });

  it('scale-3000 prices the Spot group at the documented discount and Aurora by ACU-hours', async () => {
    const table = await loadPriceTable('us-east-1', new RecordingHost());
    const cost = estimateCost(testConfig('scale-3000'), table);
    const spot = cost.lines.find((l) => l.item.startsWith('Node group coder-ws:'));
    expect(spot?.unitPrice).toBeCloseTo(0.384 * table.spot.priceFactor, 6);
    const aurora = cost.lines.find((l) => l.item.startsWith('Aurora Serverless v2'));
    // 3 instances at 0.5 + 50 % of (16 − 0.5) = 8.25 ACU at peak
    expect(aurora?.quantity).toBeCloseTo(3 * 8.25, 6);
    expect(aurora?.monthly24x7).toBeCloseTo(3 * 8.25 * 0.12 * 730, 2);
    expect(cost.monthlyWithSchedule).toBeLessThan(cost.monthly24x7);
  });

  it('a disabled schedule makes both figures equal', async () => {
    const table = await loadPriceTable('us-east-1', new RecordingHost());
    const config = testConfig('mvp-500', 'schedule: {enabled: false}\n');
    expect(peakHoursPerMonth(config, 730)).toBe(730);
    const cost = estimateCost(config, table);
    expect(cost.monthlyWithSchedule).toBe(cost.monthly24x7);
  });

  it('reads the hourly On-Demand price from a Price List API product', () => {
    const product = {
      product: { attributes: { instanceType: 'm5.2xlarge' } },
      terms: {
        OnDemand: {
          'X.JRTCKXETXF': {
            priceDimensions: { 'X.JRTCKXETXF.6YS6EN2CT7': { unit: 'Hrs', pricePerUnit: { USD: '0.3840000000' } } },
          },
        },
      },
    };
    expect(onDemandUsd([JSON.stringify(product)])).toBe(0.384);
    expect(onDemandUsd([])).toBeUndefined();
  });
});

describe('--pricing live', () => {
  const product = (usd: string) =>
    JSON.stringify({
      terms: { OnDemand: { t: { priceDimensions: { d: { unit: 'Hrs', pricePerUnit: { USD: usd } } } } } },
    });

  it('takes EC2 prices from the Price List API and keeps the table for types it does not answer', async () => {
    const { GetProductsCommand, PricingClient } = await import('@aws-sdk/client-pricing');
    const { mockClient } = await import('aws-sdk-client-mock');
    const { livePrices } = await import('../../src/phases/plan/pricing.js');
    const pricing = mockClient(PricingClient);
    try {
      pricing.on(GetProductsCommand).resolves({ PriceList: [] });
      pricing
        .on(GetProductsCommand, {
          Filters: [
            { Type: 'TERM_MATCH', Field: 'instanceType', Value: 'm7i.large' },
            { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' },
            { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
            { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
            { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
            { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
          ],
        })
        .resolves({ PriceList: [product('0.1111')] });
      const host = new RecordingHost();
      const table = await loadPriceTable('us-east-1', host);
      const live = await livePrices(
        table,
        ['m7i.large', 'c7i.2xlarge'],
        'us-east-1',
        new PricingClient({ region: 'us-east-1' }),
        host,
      );
      expect(live.ec2OnDemandHourly['m7i.large']).toBe(0.1111);
      expect(live.ec2OnDemandHourly['c7i.2xlarge']).toBe(table.ec2OnDemandHourly['c7i.2xlarge']);
      expect(live.source).toContain('AWS Price List API');
      expect(host.events.find((e) => e.code === 'PLAN_PRICES_LIVE_MISSING')?.message).toContain('c7i.2xlarge');
    } finally {
      pricing.restore();
    }
  });

  it('falls back to the bundled table with a warning when the API cannot be read', async () => {
    const { GetProductsCommand, PricingClient } = await import('@aws-sdk/client-pricing');
    const { mockClient } = await import('aws-sdk-client-mock');
    const { livePrices } = await import('../../src/phases/plan/pricing.js');
    const pricing = mockClient(PricingClient);
    try {
      pricing.on(GetProductsCommand).rejects(
        Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        }),
      );
      const host = new RecordingHost();
      const table = await loadPriceTable('us-east-1', host);
      const live = await livePrices(
        table,
        ['m7i.large'],
        'us-east-1',
        new PricingClient({ region: 'us-east-1' }),
        host,
      );
      expect(live).toBe(table);
      expect(host.events.find((e) => e.code === 'PLAN_PRICES_LIVE_FAILED')).toMatchObject({ level: 'warn' });
    } finally {
      pricing.restore();
    }
  });
});
