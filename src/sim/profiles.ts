// Named workload sizes for `pancydb sim --profile`.
//   full: the original Pancydb workload: 32 lockseq clients for 100 s, sequences up to 100 keys.
//   ci:   a small one for test sweeps: 8 clients for 20 s, sequences up to 10 keys.
export interface Profile {
  readonly clients: number;
  readonly durationS: number;
  readonly maxSequenceLength: number;
}

export const PROFILES = {
  full: { clients: 32, durationS: 100, maxSequenceLength: 100 },
  ci: { clients: 8, durationS: 20, maxSequenceLength: 10 },
} as const satisfies Record<string, Profile>;

export type ProfileName = keyof typeof PROFILES;

export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(PROFILES, name);
}
