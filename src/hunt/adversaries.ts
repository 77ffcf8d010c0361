// The built-in adversaries `pancydb hunt` draws from, each with a drawer for its options
// (the option names and ranges of adversaries/<name>.ts). A drawn faulty replica is an
// ordinary scenario-file entry, {"adversary": name, "options": {...}}, so the failing
// schedule the hunt writes is a file anyone can read and replay.
//
// `split-brain`, the attack of the colluding primaries of views 0 and 1, is drawn for all
// faulty replicas at once (drawCollusion), since they must agree on one attack, with the
// partition its header says the attack needs; `state-liar` lies only to a replica fetching
// state, so draw.ts cuts a correct replica off for most of the workload where it runs.
// `hidden-prepare` (the primary of view 0) and
// `stale-reads` (it lies only on the read-only path) are drawn only where they fit (see
// drawAdversary), and more often where the schedule turns on the optimization they attack.
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
  /** Tentative execution is on (OSDI'99 §5.1). */
  readonly tentative?: boolean;
  /** The schedule is aimed at its optimizations: draw the adversary that attacks them more often. */
  readonly aimed?: boolean;
}

type Drawer = (context: DrawContext) => Record<string, unknown>;

export const pick = <T>(rng: Rng, values: readonly T[]): T => values[rng.int(0, values.length - 1)]!;
/** Seconds rounded to one decimal, as a person writes them in a scenario file. */
export const tenths = (value: number): number => Math.round(value * 10) / 10;
/** A time in [low, high) seconds, in tenths. */
const seconds = (rng: Rng, low: number, high: number): number => tenths(low + rng.next() * (high - low));

/** A non-empty subset of `ids`, in id order. */
function subset(rng: Rng, ids: readonly number[]): number[] {
  const chosen = ids.filter(() => rng.chance(0.5));
  return chosen.length > 0 ? chosen : [pick(rng, ids)];
}

/** view-change-liar's lies (its `lie` option) told as a new primary, and those any replica tells in VIEW-CHANGE ('all' mixes both). */
const NEW_PRIMARY_LIES = ['wrong-o', 'short-v', 'second-o'];
const VIEW_CHANGE_LIES = ['fabricated-p', 'partial-p', 'unproven-checkpoint', 'all'];

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
  // Only a new primary tells the lies in or after NEW-VIEW, and draw.ts's windows make
  // primary(1) or primary(2) one (viewChangeWindows); any replica lies in VIEW-CHANGE.
  'view-change-liar': ({ rng, id }) => ({
    lie: (id === 1 || id === 2) && rng.chance(0.5) ? pick(rng, NEW_PRIMARY_LIES) : pick(rng, VIEW_CHANGE_LIES),
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
  'recovery-liar': ({ rng }) => ({ lie: pick(rng, ['low', 'high', 'alternate']), statusLie: rng.chance(0.5), repropose: rng.chance(0.5) }),
  // Half the time it falls silent after its first lie, so that the state it served is all a
  // lagging replica has from it (a faulty primary's silence also forces a view change).
  'state-liar': ({ rng }) => ({ lie: pick(rng, ['client-table', 'short-proof', 'alternate']), silentAfterS: pick(rng, [0, 0.3, 1]) }),
  'slow-primary': ({ rng }) => ({ delayFraction: pick(rng, [0.5, 0.9, 0.99]) }),
  'stale-reads': ({ rng, workloadS }) => ({ fromS: seconds(rng, 0, workloadS / 2) }),
  'hidden-prepare': ({ rng, others, workloadS }) => {
    const [first, late] = [others.filter(() => rng.chance(0.5)), [] as number[]];
    for (const id of others) if (!first.includes(id) && rng.chance(0.5)) late.push(id);
    return { atS: seconds(rng, 0.2, workloadS), first: first.length > 0 ? first : [others[0]!], late: late.length > 0 ? late : [others.at(-1)!], lateMs: pick(rng, [50, 200, 500]) };
  },
};

/** Adversaries any faulty replica may run. */
const GENERAL = ['silent', 'equivocate', 'twin', 'twin', 'mutate', 'mutate', 'byzzfuzz', 'byzzfuzz', 'byzzfuzz', 'replay', 'view-change-liar', 'censor', 'corrupt-state', 'forge-replies', 'recovery-liar', 'slow-primary', 'state-liar', 'state-liar', 'view-change-liar'] as const;

export const HUNT_ADVERSARIES: readonly string[] = [...Object.keys(DRAWERS), 'split-brain'];

/** An adversary for replica `context.id` and its options. */
export function drawAdversary(context: DrawContext): DrawnFaulty {
  const { rng, id } = context;
  // hidden-prepare attacks as primary of view 0 and matters to tentative execution; stale-reads lies only on the read-only path.
  const aimedAt = [...(context.readOnly ? ['stale-reads'] : []), ...(id === 0 && context.tentative === true ? ['hidden-prepare'] : [])];
  if (context.aimed === true && aimedAt.length > 0 && rng.chance(0.7)) return drawn(pick(rng, aimedAt), context);
  const choices: string[] = [...GENERAL];
  if (id === 0) choices.push('hidden-prepare');
  if (context.readOnly) choices.push('stale-reads', 'stale-reads');
  return drawn(pick(rng, choices), context);
}

const drawn = (adversary: string, context: DrawContext): DrawnFaulty => ({ adversary, options: DRAWERS[adversary]!(context) });

/** A network partition in scenario-file form. */
export interface PartitionJson {
  readonly fromS: number;
  readonly untilS: number;
  readonly groups: readonly (readonly number[])[];
}

/**
 * hidden-prepare's partition (adversaries/hidden-prepare.ts): the late backups cut off from
 * the other correct replicas just after the attacked PRE-PREPARE, so that the first backups
 * never see a late one's PREPARE and the next view is built without the late ones.
 */
export function hiddenPreparePartition(rng: Rng, options: Record<string, unknown>, correct: readonly number[]): PartitionJson | undefined {
  const late = (options['late'] as number[]).filter((id) => correct.includes(id));
  const fromS = tenths((options['atS'] as number) + 0.1);
  const untilS = tenths(fromS + 1 + rng.next());
  const first = correct.filter((id) => !late.includes(id));
  // Every late replica faulty, or every correct one late: nobody to keep apart, and a group
  // with nobody in it is no scenario at all (the loader refuses it). The draw above is made
  // either way, so that every other schedule stays as it was.
  if (late.length === 0 || first.length === 0) return undefined;
  return { fromS, untilS, groups: [late, first] };
}

/** split-brain's attacks (adversaries/split-brain.ts); all but digest-mismatch need primary(1) to collude with primary(0). */
const COLLUDING_ATTACKS = ['commit-split', 'prepare-split', 'fake-prepared', 'wrong-o', 'digest-mismatch'] as const;
const ALONE_ATTACKS = ['digest-mismatch'] as const;

/**
 * split-brain for every faulty replica, with one attack they agree on, and the partition
 * the attack needs: otherwise the correct replicas catch up by retransmission before view 1
 * (the adversary's header). `faultyIds` holds primary(0) = 0; the attacks that need
 * primary(1) are drawn only if replica 1 is faulty too, which f = 2 allows at n = 7.
 */
export function drawCollusion(rng: Rng, n: number, faultyIds: readonly number[], workloadS: number): { faulty: Record<string, DrawnFaulty>; partitions: PartitionJson[] } {
  const attack = pick(rng, faultyIds.includes(1) ? COLLUDING_ATTACKS : ALONE_ATTACKS);
  const correct = Array.from({ length: n }, (_, id) => id).filter((id) => !faultyIds.includes(id));
  // Outside the target, 2f-1 correct replicas (and at least two: a witness and one more),
  // so that with primary(1) they make the 2f PREPAREs that prepare s there (§4.2).
  const f = (n - 1) / 3;
  const shuffled = correct.map((id) => ({ id, key: rng.next() })).sort((a, b) => a.key - b.key).map(({ id }) => id);
  const target = shuffled.slice(0, rng.int(1, Math.max(1, correct.length - Math.max(2, 2 * f - 1)))).sort((a, b) => a - b);
  const outside = correct.filter((id) => !target.includes(id));
  const witnesses = [pick(rng, outside)];
  const atS = seconds(rng, 0.3, Math.max(0.4, workloadS - 1));
  const options = { attack, target, witnesses, atS, commitAtS: tenths(atS + pick(rng, [0.2, 0.3, 0.5])) };
  const faulty = Object.fromEntries(faultyIds.map((id) => [String(id), { adversary: 'split-brain', options }]));
  const untilS = tenths(atS + 2 + rng.next());
  const partitions: PartitionJson[] =
    attack === 'fake-prepared' || attack === 'wrong-o'
      ? [{ fromS: tenths(atS + pick(rng, [0.1, 0.2, 0.3])), untilS, groups: [witnesses, correct.filter((id) => !witnesses.includes(id))] }]
      : attack === 'prepare-split'
        ? [{ fromS: tenths(Math.max(0, atS - 0.1)), untilS, groups: [target, outside] }]
        : [];
  return { faulty, partitions };
}

/**
 * The windows view-change-liar needs (adversaries/view-change-liar.ts): it lies only in a
 * view change, and a run without faults may see none. So the correct primaries of the
 * views before the liar's (at most two: 0, then 1) are cut off in turn, and the backups
 * move view by view towards the liar (§4.5.2), its VIEW-CHANGEs in every V; where the liar
 * is primary(0) itself, primary(1) is cut off after it, so that its VIEW-CHANGE for view 2
 * reaches a new primary. For the lies a new primary tells in O, a correct backup is also
 * cut off from before the last of these view changes until just after it starts: O's
 * batches are what it lacks, and a backup still fetching them is where O is checked (§4.4).
 */
export function viewChangeWindows(rng: Rng, n: number, liar: number, lie: string, correct: readonly number[], workloadS: number): PartitionJson[] {
  const primaries = [0, 1].filter((id) => (liar === 0 ? id === 0 || correct.includes(id) : id < liar && correct.includes(id)));
  const windowS = tenths(1.2 + rng.next() * 0.8);
  let fromS = seconds(rng, 0.3, Math.max(0.4, workloadS / 2));
  const windows: PartitionJson[] = [];
  for (const primary of primaries) {
    windows.push(cutOff(n, primary, fromS, tenths(fromS + windowS)));
    fromS = tenths(fromS + windowS);
  }
  const lastFromS = windows.at(-1)?.fromS ?? fromS;
  const backups = correct.filter((id) => !primaries.includes(id));
  if ([...NEW_PRIMARY_LIES, 'all'].includes(lie) && backups.length > 0) windows.push(cutOff(n, pick(rng, backups), tenths(Math.max(0, lastFromS - 1)), tenths(lastFromS + 0.3 + rng.next() * 0.8)));
  return windows;
}

/**
 * `replica` cut off from the other n - 1 over [fromS, untilS). Every replica is in a group:
 * one in no group keeps its links (src/sim/network.ts), so a faulty replica left out would
 * still reach the one cut off.
 */
export function cutOff(n: number, replica: number, fromS: number, untilS: number): PartitionJson {
  return { fromS, untilS, groups: [[replica], Array.from({ length: n }, (_, id) => id).filter((id) => id !== replica)] };
}
