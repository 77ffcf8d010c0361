// state-liar: a replica that lies in the state it serves to a replica catching up.
//
// Fault model: Byzantine, honest in everything else. Every STATE it sends (state transfer,
// OSDI'99 §4.3: a replica more than a log window behind fetches a stable checkpoint's
// state) is rewritten and signed again with its own key: the client table with every
// client's last t raised by 1000 ('client-table'), or the checkpoint proof cut to f+1 of
// its 2f+1 CHECKPOINTs ('short-proof'). Optionally it falls silent some time after its
// first lie, as a liar covering its tracks would.
// Attacks: state transfer (§4.3): a fetched state must hash to the digest that 2f+1
// CHECKPOINTs certify, and that digest covers the client table; a replica that takes a
// shorter proof installs a checkpoint its own VIEW-CHANGEs cannot prove (§4.4).
import { defineAdversary, mapSends, type AdversaryApi, type AdversaryOutput } from '../src/adversary/adversary.ts';
import type { ClientEntry, Signed, StateTransfer } from '../src/core/messages.ts';

type Lie = 'client-table' | 'short-proof';

/** How far a doctored client table moves each client's last t: past any t the run reaches. */
const TIMESTAMP_RAISE = 1000;

export default defineAdversary({
  name: 'state-liar',
  faultModel: 'Byzantine: the STATE it serves carries a doctored client table or a proof of f+1 CHECKPOINTs; optionally silent after its first lie',
  attacks: 'state transfer: a state must hash to the digest 2f+1 CHECKPOINTs certify, client table included (OSDI\'99 §4.3)',
  options: {
    lie: {
      kind: 'choice',
      values: ['client-table', 'short-proof', 'alternate'] as const,
      default: 'alternate',
      doc: "the lie in each STATE: client timestamps raised by 1000 ('client-table'), f+1 of the 2f+1 CHECKPOINTs of its proof ('short-proof'), or each in turn",
    },
    silentAfterS: { kind: 'number', default: 0, min: 0, doc: 'fall silent (send nothing at all) this long after its first lie (0: never)' },
  },
  create(api, options) {
    let lies = 0;
    let silentFromMs = Infinity;
    return {
      step(input) {
        const outputs = mapSends(api.step(input), (signed, to): AdversaryOutput[] => {
          if (signed.message.type !== 'state') return [to === 'all' ? { kind: 'broadcast', signed } : { kind: 'send', to, signed }];
          const lie: Lie = options.lie === 'alternate' ? (lies % 2 === 0 ? 'client-table' : 'short-proof') : options.lie;
          lies++;
          if (options.silentAfterS > 0 && silentFromMs === Infinity) silentFromMs = api.nowMs + options.silentAfterS * 1000;
          const lied = lieInState(api, signed.message, lie);
          api.note(`STATE n=${signed.message.seq}: ${lie === 'client-table' ? 'client timestamps raised' : `proof of ${lied.message.proof.length} CHECKPOINTs`}`);
          return [to === 'all' ? { kind: 'broadcast', signed: lied } : { kind: 'send', to, signed: lied }];
        });
        return api.nowMs >= silentFromMs ? outputs.filter((output) => output.kind !== 'send' && output.kind !== 'broadcast') : outputs;
      },
    };
  },
});

function lieInState(api: AdversaryApi, state: StateTransfer, lie: Lie): Signed<StateTransfer> {
  if (lie === 'short-proof') return api.sign<StateTransfer>({ ...state, proof: state.proof.slice(0, api.f + 1) });
  // A Byzantine client's t may already be near 2^53 (huge-timestamp): stay a safe integer, which the encoding requires.
  const clients = state.clients.map(([client, timestamp, result]): ClientEntry => [client, Math.min(timestamp + TIMESTAMP_RAISE, Number.MAX_SAFE_INTEGER), result]);
  return api.sign<StateTransfer>({ ...state, clients });
}
