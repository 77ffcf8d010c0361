// The built-in adversaries `pancydb hunt` draws from, each with a drawer for its options
// (the option names and ranges of adversaries/<name>.ts). A drawn faulty replica is an
// ordinary scenario-file entry, {"adversary": name, "options": {...}}, so the failing
// schedule the hunt writes is a file anyone can read and replay.
//
// Left out: `split-brain`, a scripted attack of the two colluding primaries of views 0 and
// 1 that needs partitions written for it. `hidden-prepare` (the primary of view 0) and
// `stale-reads` (it lies only on the read-only path) are drawn only where they fit (see
// drawAdversary).
import type { Rng } from '../sim/rng.ts';

export interface DrawnFaulty {
  readonly adversary: string;
  readonly options: Record<string, unknown>;
}

/** What an option drawer knows about the run it is drawn for. */
export interface DrawContext {
  readonly rng: Rng;
  readonly id: number;
  readonly n: number;
  /** The other replicas, in id order. */
  readonly others: readonly number[];
  readonly workloadS: number;
  readonly clients: number;
  readonly readOnly: boolean;
}

type Drawer = (context: DrawContext) => Record<string, unknown>;

const pick = <T>(rng: Rng, values: readonly T[]): T => values[rng.int(0, values.length - 1)]!;
/** Seconds with one decimal, so the written file reads as a person would write it. */
const seconds = (rng: Rng, low: number, high: number): number => Math.round((low + rng.next() * (high - low)) * 10) / 10;

/** A non-empty subset of `ids`, in id order. */
function subset(rng: Rng, ids: readonly number[]): number[] {
  const chosen = ids.filter(() => rng.chance(0.5));
  return chosen.length > 0 ? chosen : [pick(rng, ids)];
}

/** The views twin rounds are drawn over: small scope, as Twins; with n = 4 or 7 they cover several primaries. */
const TWIN_VIEWS_MAX = 6;

/**
 * A partition per view for a few of views 0..6, each view once, in view order (Twins:
 * bugs show where consecutive rounds split differently). Either the twins share one group,
 * the rest cut off from both, or each other replica joins twin A's group, twin B's, or
 * neither (a third group); a group may be empty, a twin cut off for that view.
 */
function twinRounds(rng: Rng, others: readonly number[]): Record<string, unknown>[] {
  const views = new Set<number>();
  for (const count = rng.int(2, 5); views.size < count; ) views.add(rng.int(0, TWIN_VIEWS_MAX));
  return [...views]
    .sort((a, b) => a - b)
    .map((view) => {
      if (rng.chance(0.25)) {
        const group = others.filter(() => rng.chance(0.5));
        return { view, groupA: group, groupB: group };
      }
      const groupA: number[] = [];
      const groupB: number[] = [];
      for (const id of others) {
        const draw = rng.next();
        if (draw < 0.4) groupA.push(id);
        else if (draw < 0.8) groupB.push(id);
      }
      return { view, groupA, groupB };
    });
}

const DRAWERS: Readonly<Record<string, Drawer>> = {
  silent: ({ rng, others, workloadS }) => {
    const fromS = seconds(rng, 0, workloadS);
    return {
      fromS,
      ...(rng.chance(0.5) ? { untilS: Math.round((fromS + seconds(rng, 0.2, 2)) * 10) / 10 } : {}),
      ...(rng.chance(0.3) ? { towards: subset(rng, others) } : {}),
      onlyAsPrimary: rng.chance(0.3),
    };
  },
  equivocate: ({ rng }) => ({
    role: pick(rng, ['primary', 'backup', 'both']),
    probability: pick(rng, [0.2, 0.5, 1]),
    split: pick(rng, ['halves', 'random']),
    batch: pick(rng, ['drop-one', 'reverse', 'null']),
    collude: rng.chance(0.7),
  }),
  twin: ({ rng, others }) => {
    // Twins: each twin talks to its own group; the groups may overlap, as Twins allows.
    const groupA = subset(rng, others);
    const rest = others.filter((id) => !groupA.includes(id));
    const groupB = rest.length > 0 && rng.chance(0.7) ? rest : subset(rng, others);
    const fixed = { groupA, groupB, answerClients: pick(rng, ['both', 'a', 'b']), requests: pick(rng, ['both', 'split']) };
    return rng.chance(0.8) ? { ...fixed, rounds: twinRounds(rng, others) } : fixed;
  },
  mutate: ({ rng }) => ({
    rounds: rng.int(1, 8),
    maxSeq: pick(rng, [5, 10, 20, 40]),
    maxView: rng.int(0, 2),
    phases: pick(rng, ['all', 'all', 'pre-prepare', 'prepare', 'commit']),
    mutations: pick(rng, ['all', 'all', 'view', 'seq', 'digest', 'omit']),
  }),
  replay: ({ rng }) => ({
    everyMs: pick(rng, [50, 100, 250]),
    burst: rng.int(1, 16),
    minAgeMs: pick(rng, [0, 200, 500]),
    types: pick(rng, ['all', 'normal-case', 'requests', 'view-change', 'status']),
    othersFrames: rng.chance(0.7),
  }),
  byzzfuzz: ({ rng }) => ({
    rounds: rng.int(1, 12),
    maxSeq: pick(rng, [5, 10, 20, 40]),
    maxView: rng.int(0, 2),
    types: pick(rng, ['all', 'all', 'normal-case', 'view-change', 'checkpoint']),
  }),
  'view-change-liar': ({ rng }) => ({
    lie: pick(rng, ['fabricated-p', 'partial-p', 'wrong-o', 'short-v', 'all']),
    proactiveEveryS: pick(rng, [0, 0.5, 1]),
  }),
  censor: ({ rng, clients, workloadS }) => ({
    mode: pick(rng, ['client', 'holes', 'window', 'delay']),
    client: rng.int(0, clients - 1),
    clients: [rng.int(0, clients - 1)],
    delayFraction: pick(rng, [0.5, 0.9]),
    fromS: seconds(rng, 0, workloadS),
  }),
  'corrupt-state': ({ rng, workloadS }) => ({
    atS: seconds(rng, 0.2, workloadS),
    everyS: pick(rng, [0, 0, 0.5]),
    corrupt: pick(rng, ['values', 'versions', 'both']),
    keys: rng.int(1, 5),
  }),
  'forge-replies': ({ rng }) => ({
    wrongResults: rng.chance(0.7),
    impersonate: rng.chance(0.5),
    replayOld: rng.chance(0.5),
    breakSignatures: rng.chance(0.5),
    probability: pick(rng, [0.3, 1]),
  }),
  'recovery-liar': ({ rng }) => ({ lie: pick(rng, ['low', 'high', 'alternate']), statusLie: rng.chance(0.5) }),
  'slow-primary': ({ rng }) => ({ delayFraction: pick(rng, [0.5, 0.9, 0.99]) }),
  'stale-reads': ({ rng, workloadS }) => ({ fromS: seconds(rng, 0, workloadS / 2) }),
  'hidden-prepare': ({ rng, others, workloadS }) => {
    const [first, late] = [others.filter(() => rng.chance(0.5)), [] as number[]];
    for (const id of others) if (!first.includes(id) && rng.chance(0.5)) late.push(id);
    return { atS: seconds(rng, 0.2, workloadS), first: first.length > 0 ? first : [others[0]!], late: late.length > 0 ? late : [others.at(-1)!], lateMs: pick(rng, [50, 200, 500]) };
  },
};

/** Adversaries any faulty replica may run. */
const GENERAL = ['silent', 'equivocate', 'twin', 'twin', 'mutate', 'mutate', 'byzzfuzz', 'byzzfuzz', 'byzzfuzz', 'replay', 'view-change-liar', 'censor', 'corrupt-state', 'forge-replies', 'recovery-liar', 'slow-primary'] as const;

export const HUNT_ADVERSARIES: readonly string[] = Object.keys(DRAWERS);

/** An adversary for replica `context.id` and its options. */
export function drawAdversary(context: DrawContext): DrawnFaulty {
  const { rng, id } = context;
  const choices: string[] = [...GENERAL];
  // hidden-prepare attacks as primary of view 0; stale-reads lies only on the read-only path.
  if (id === 0) choices.push('hidden-prepare');
  if (context.readOnly) choices.push('stale-reads', 'stale-reads');
  const adversary = pick(rng, choices);
  return { adversary, options: DRAWERS[adversary]!(context) };
}
