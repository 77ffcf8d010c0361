// Which pending write fills a gap version, for the version sweep (pancydb-sweep.ts).
// Gaps are the versions no successful put/cas reported; each was taken by a remove
// or by a write of unknown outcome. The sweep tries the candidates in the order given
// here and backs up on failure, so the order only decides speed; the filters below
// only drop candidates that provably cannot lead to a linearization.
import { writtenValue } from './pancydb-classify.ts';
import { resultIn, sameResult, stateAfter, succeeds } from './pancydb-spec.ts';
import type { SweepIndex } from './pancydb-sweep-index.ts';
import type { SweepState } from './pancydb-sweep-state.ts';

/** Pool members that can take gap `slot` while `goal` waits at `event`, likeliest first. */
export function gapCandidates(index: SweepIndex, state: SweepState, slot: number, goal: number, event: number): number[] {
  const eligible = eligibleCandidates(index, state, slot, event);
  // Most wanted first: what the goal waits for; then removes whose key must be absent
  // by a version deadline (the next put/cas to the key reports previousVersion 0),
  // soonest first; then known removes by return time; then unknown outcomes. But if
  // giving this gap to anything else would leave too few gaps for the removes with
  // version deadlines, the one due soonest goes first (earliest deadline first).
  const { operations } = index.history;
  const returnOrder = (candidate: number): number => operations[candidate]!.returnMs ?? Number.POSITIVE_INFINITY;
  const keyed = eligible.map((candidate) => ({ candidate, rank: rank(index, candidate, goal, slot), due: due(index, candidate, slot) }));
  keyed.sort((a, b) => a.rank - b.rank || compare(a.due, b.due) || compare(returnOrder(a.candidate), returnOrder(b.candidate)) || a.candidate - b.candidate);
  const mostUrgent = keyed.reduce<(typeof keyed)[number] | undefined>((best, entry) => (entry.due < (best?.due ?? Number.POSITIVE_INFINITY) ? entry : best), undefined);
  if (mostUrgent !== undefined && mostUrgent !== keyed[0] && gapsTight(index, state, slot)) {
    keyed.splice(keyed.indexOf(mostUrgent), 1);
    keyed.unshift(mostUrgent);
  }
  return keyed.map((entry) => entry.candidate);
}

function eligibleCandidates(index: SweepIndex, state: SweepState, slot: number, event: number): number[] {
  const named = index.namedAt(slot);
  const eligible: number[] = [];
  const signatures = new Set<string>();
  for (const candidate of [...state.pool].sort((a, b) => a - b)) {
    const { input, output } = index.history.operations[candidate]!;
    const current = state.key(input.key);
    if (!succeeds(current, input)) continue;
    // A known remove undoes exactly the version it reports.
    if (output !== undefined && 'actual' in output && output.previousVersion !== current.version) continue;
    // Replacing a version that an operation not yet called will need dooms it.
    if (index.neededLater(current.version, candidate, event)) continue;
    // Each version is replaced once; if a known write reports replacing this one, no
    // other write may (pancydb-references.ts checked that there is at most one).
    const replacer = index.replacerOf(current.version);
    if (replacer !== undefined && replacer !== candidate) continue;
    // A gap some output names was taken by a put/cas of that key (and value).
    const written = writtenValue(input);
    if (named !== undefined && !named.every((name) => name.key === input.key && written !== undefined && (name.value === undefined || name.value === written))) continue;
    if (output === undefined) {
      // Unknown-outcome writes with the same input, all called, are interchangeable.
      const signature = JSON.stringify(input);
      if (signatures.has(signature)) continue;
      signatures.add(signature);
    }
    eligible.push(candidate);
  }
  return eligible;
}

function rank(index: SweepIndex, candidate: number, goal: number, slot: number): number {
  if (candidate === goal) return 0;
  const { operations, roles } = index.history;
  const { input } = operations[candidate]!;
  const waiting = operations[goal]!;
  if (roles[goal] === 'observation' && waiting.input.key === input.key) {
    if (sameResult(resultIn(stateAfter(input, slot), waiting.input, slot + 1), waiting.output!)) return 1;
  }
  if (due(index, candidate, slot) !== Number.POSITIVE_INFINITY) return 2;
  if (roles[candidate] === 'remove') return 3;
  return input.type === 'remove' ? 4 : 5;
}

function due(index: SweepIndex, candidate: number, slot: number): number {
  const { input } = index.history.operations[candidate]!;
  return input.type === 'remove' ? index.absentBy(input.key, slot) : Number.POSITIVE_INFINITY;
}

/**
 * True if, with gap `slot` spent on something not due, the keys that must be removed
 * by a version deadline could not all get a gap in time (Hall's condition on the
 * sorted deadlines). One job per key: whichever of its removes runs.
 */
function gapsTight(index: SweepIndex, state: SweepState, slot: number): boolean {
  const dueByKey = new Map<string, number>();
  for (const candidate of state.pool) {
    const deadline = due(index, candidate, slot);
    const key = index.history.operations[candidate]!.input.key;
    if (deadline < (dueByKey.get(key) ?? Number.POSITIVE_INFINITY)) dueByKey.set(key, deadline);
  }
  const dues = [...dueByKey.values()].sort((a, b) => a - b);
  return dues.some((deadline, count) => index.gapsBetween(slot, deadline) < count + 1);
}

/** Orders numbers that may both be infinite. */
function compare(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
