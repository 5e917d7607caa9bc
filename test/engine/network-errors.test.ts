/** A network failure (ENOTFOUND …) names what failed and says what to do next, from AWS calls and elsewhere. */
import { describe, expect, it } from 'vitest';
import { classifyAwsError, wrapAwsError } from '../../src/aws/clients.js';
import { ExternalError, toCoderPlatformError } from '../../src/errors.js';
import { renderError } from '../../src/ui/render-error.js';

const dnsFailure = (): Error =>
  Object.assign(new Error('getaddrinfo ENOTFOUND sts.us-east-1.amazonaws.com'), {
    code: 'ENOTFOUND',
    hostname: 'sts.us-east-1.amazonaws.com',
    syscall: 'getaddrinfo',
  });

describe('network failures', () => {
  it('an SDK call that cannot resolve its endpoint is a network error with a next step naming the host', () => {
    expect(classifyAwsError(dnsFailure())).toBe('network');
    const wrapped = wrapAwsError(dnsFailure(), 'sts:GetCallerIdentity');
    expect(wrapped.exitCode).toBe(3);
    expect(wrapped.nextSteps).toHaveLength(1);
    expect(wrapped.nextSteps[0]).toMatch(
      /^AWS could not be reached \(ENOTFOUND sts\.us-east-1\.amazonaws\.com\): check the network connection, DNS, the proxy/,
    );
  });

  it('a failed fetch (Coder API, pricing) with ENOTFOUND as its cause is external (exit 3), not a bug', () => {
    const error = new TypeError('fetch failed', { cause: dnsFailure() });
    const mapped = toCoderPlatformError(error);
    expect(mapped).toBeInstanceOf(ExternalError);
    expect(mapped.exitCode).toBe(3);
    expect(mapped.message).toContain('ENOTFOUND');
    const text = renderError(mapped, { verbose: false });
    expect(text).toMatch(/check the network connection, DNS and the proxy/);
    expect(text).not.toMatch(/bug in coder-platform/);
  });
});
