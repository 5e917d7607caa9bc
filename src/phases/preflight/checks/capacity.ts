/** Capacity fit of the workspace node groups at max (src/sizing/capacity.ts) as check results. */
import { computeCapacityFit } from '../../../sizing/capacity.js';
import type { CheckOutcome, PreflightServices } from '../types.js';

export async function checkCapacity(services: PreflightServices): Promise<CheckOutcome> {
  const fit = computeCapacityFit(services.config);
  return {
    results: fit.findings.map((f) => ({
      id: f.id,
      area: 'capacity' as const,
      status: f.status,
      critical: f.critical,
      required: f.required,
      current: f.current,
      message: f.message,
      fix: f.fix,
    })),
  };
}
