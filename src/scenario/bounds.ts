// The largest runs `pancydb sim` accepts, from flags and scenario files alike. Beyond
// them a run would not finish in any useful time (or would not fit in memory), so they
// are usage errors, not hangs. They are stated in `pancydb sim --help` and README.md.
//
// For scale: the full profile is 32 clients for 100 simulated s, a few wall seconds a
// seed; 10 000 clients for 1 simulated s takes about 20 wall s on one core.

/** f ≤ 10, so n = 3f+1 ≤ 31: all-to-all PREPARE and COMMIT grow as n². */
export const MAX_F = 10;
export const MAX_N = 3 * MAX_F + 1;
/** Correct clients of the workload. */
export const MAX_CLIENTS = 10_000;
/** Simulated seconds of one run: one simulated hour. Every time in a file or flag is at most this. */
export const MAX_DURATION_S = 3600;
/** Seeds one command (or a scenario's `seeds`) runs. */
export const MAX_SEEDS = 1_000_000;
/** Byzantine clients, and the requests each sends per simulated second. */
export const MAX_BYZANTINE_CLIENTS = 1000;
export const MAX_BYZANTINE_RATE_PER_S = 10_000;
/** Keys of the random workload. */
export const MAX_KEYS = 100_000;
/** Extra per-message delay: a minute is already a partition. */
export const MAX_JITTER_MS = 60_000;
/** Worker threads of one sweep. */
export const MAX_WORKERS = 256;
/** Every protocol parameter (batch size, timeouts in ms, windows): a million is far past any sane setting. */
export const MAX_PARAMETER = 1_000_000;
