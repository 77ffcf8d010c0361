// Byzantine replicas for test/sweeps/flaw-catalogue.test.ts: each tells one plain lie a
// faulty replica could tell, not a schedule aimed at one flaw. Each is a built-in adversary
// (adversaries/) with its options fixed, so that the catalogue and `pancydb hunt` attack
// with one implementation of each lie. Against the protocol as the paper gives it every lie
// is refused; each matters only to a replica that skips the check the lie is aimed at
// (src/core/flaws.ts).
import stateLiar from '../../adversaries/state-liar.ts';
import viewChangeLiar from '../../adversaries/view-change-liar.ts';
import type { AdversaryDefinition } from '../../src/adversary/adversary.ts';
import type { OptionSpecs, OptionValues } from '../../src/adversary/options.ts';

/** `definition` under `name`, running with `fixed` over whatever options the run gives it. */
function withOptions<Specs extends OptionSpecs>(definition: AdversaryDefinition<Specs>, name: string, fixed: Partial<OptionValues<Specs>>): AdversaryDefinition<Specs> {
  return { ...definition, name, create: (api, options) => definition.create(api, { ...options, ...fixed }) };
}

/**
 * view-change-liar's 'unproven-checkpoint': its VIEW-CHANGEs name a stable checkpoint L
 * beyond its own under its real proof, and as a new primary it puts that VIEW-CHANGE in V.
 * A replica that does not check C ('checkpoint-proof-not-checked') takes min-s from it,
 * above anything any replica can execute to, and the view stalls.
 */
export const stableCheckpointLiar = withOptions(viewChangeLiar, 'stable-checkpoint-liar', { lie: 'unproven-checkpoint', proactiveEveryS: 0 });

/**
 * state-liar's 'client-table': every client's last t in its STATE raised by 1000. A replica
 * whose checkpoint digest leaves the table out ('client-table-not-in-checkpoint') installs
 * it, and then skips every request of those clients as already executed.
 */
export const clientTableLiar = withOptions(stateLiar, 'client-table-liar', { lie: 'client-table', silentAfterS: 0 });

/**
 * view-change-liar's 'second-o': as a new primary, a null-request PRE-PREPARE for every
 * other O entry. A backup whose O entries do not hold their slot ('o-entry-slot-not-held')
 * prepares the null request there, and then, when the batch arrives, O's digest too.
 */
export const oEquivocator = withOptions(viewChangeLiar, 'o-equivocator', { lie: 'second-o', proactiveEveryS: 0 });

/**
 * state-liar's 'short-proof': its STATE carries f+1 of its 2f+1 CHECKPOINTs. A replica that
 * takes f+1 ('state-proof-on-f-plus-1') installs a right state under a proof no one else
 * accepts, which its VIEW-CHANGEs then carry as C.
 */
export const stateProofTrimmer = withOptions(stateLiar, 'state-proof-trimmer', { lie: 'short-proof', silentAfterS: 0 });
