// Named workload sizes for `pancydb sim --profile`.
//   full: the original Pancydb workload: 32 lockseq clients for 100 s, sequences up to
//         100 keys over 100 lock groups.
//   ci:   a small one for test sweeps: 8 clients for 8 s, sequences up to 10 keys. Its 20
//         groups (not 100) make clients contend for locks, so a short run still takes
//         the retry paths. At 8 clients batches are small and a seed costs ~10 signatures
//         per operation, so its length is what keeps a seed under a second of wall time.
export interface Profile {
  readonly clients: number;
  readonly durationS: number;
  readonly maxSequenceLength: number;
  readonly groups: number;
}

export const PROFILES = {
  full: { clients: 32, durationS: 100, maxSequenceLength: 100, groups: 100 },
  ci: { clients: 8, durationS: 8, maxSequenceLength: 10, groups: 20 },
} as const satisfies Record<string, Profile>;

export type ProfileName = keyof typeof PROFILES;

export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(PROFILES, name);
}

/** The lockseq workload options of a profile, with an optional client count override. */
export function lockseqWorkloadOf(name: ProfileName, clients?: number) {
  const profile = PROFILES[name];
  return { kind: 'lockseq', clients: clients ?? profile.clients, maxSequenceLength: profile.maxSequenceLength, groups: profile.groups } as const;
}
