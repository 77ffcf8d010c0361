// The silent primary of test/fixtures as a scenario object, with a liveness bound of the
// caller's choosing: 4 s it meets, 0.05 s it misses on every run seed the tests use (no
// request completes that fast across the view change). Hunt shard files carry it as the
// failing schedule a merge must replay.
export function silentPrimaryScenario(name: string, completeWithinS: number): Record<string, unknown> {
  return {
    name,
    f: 1,
    faulty: { '0': { adversary: 'silent', options: { fromS: 1 } } },
    workload: { kind: 'lockseq', clients: 2, durationS: 3, profile: 'ci' },
    durationS: 6,
    seeds: 1,
    expect: { liveAfterS: 0, completeWithinS },
  };
}
