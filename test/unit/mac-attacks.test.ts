// Attacks on 'mac' mode (src/core/auth.ts) and on the request paths it changed, read as an
// attacker would.
//
// Cluster: n=4, f=1, view 0 (primary 0), real Ed25519 and HMAC keys (test/support/pump.ts).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { crypto, Pump } from '../support/pump.ts';

const N = 4;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('where mac mode pays a signature per request', () => {
  it('in the normal case a backup checks its MAC, not the signature: only the primary verifies a request (passes)', () => {
    const pump = new Pump({ auth: 'mac' });
    const requests = [1, 2, 3].map((client) => pump.signRequest(client, 1));
    const verify = vi.spyOn(crypto, 'verify');
    for (const request of requests) pump.request(request, 0);
    pump.run();
    for (const request of requests) expect(pump.repliesFor(request.message.client, 1)).toHaveLength(N);
    const requestChecks = verify.mock.calls.filter(([, bytes]) => requests.some((request) => Buffer.from(request.signedBytes).equals(Buffer.from(bytes))));
    expect(requestChecks).toHaveLength(requests.length);
  });
});
