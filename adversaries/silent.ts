// silent: a replica that stops talking.
//
// Fault model: omission. The replica keeps running the protocol honestly and hears
// everything, but its messages are dropped: all of them, or only those to chosen peers,
// or only while it is the primary, or only within a time window.
// Attacks: liveness. A silent primary must be replaced by a view change (OSDI'99 §4.4,
// §4.5.2); silent backups reduce the quorum slack to zero, so any further loss stalls.
import { defineAdversary, mapSends, peersOf, sendToReplica } from '../src/adversary/adversary.ts';

export default defineAdversary({
  name: 'silent',
  faultModel: 'omission: runs honestly but drops its own messages (all, to some peers, while primary, or in a window)',
  attacks: 'liveness: a silent primary must be voted out by a view change (§4.4, §4.5.2)',
  options: {
    fromS: { kind: 'number', default: 0, min: 0, doc: 'silent from this simulated second' },
    untilS: { kind: 'number', default: Infinity, min: 0, doc: 'until this second (default: forever)' },
    towards: { kind: 'ids', default: [], doc: 'replica ids it is silent towards; empty means everyone, clients included' },
    onlyAsPrimary: { kind: 'boolean', default: false, doc: 'silent only while it is the primary of its current view' },
  },
  create(api, options) {
    const silentNow = (to: number | 'all' | 'client') => {
      const seconds = api.nowMs / 1000;
      if (seconds < options.fromS || seconds >= options.untilS) return false;
      if (options.onlyAsPrimary && api.primaryOf(api.replica.view) !== api.id) return false;
      if (options.towards.length === 0) return true;
      return typeof to === 'number' && options.towards.includes(to);
    };
    return {
      step: (input) =>
        mapSends(api.step(input), (signed, to) => {
          if (to === 'all') {
            // Broadcast only to the peers it is not silent towards.
            const peers = peersOf(api).filter((id) => !silentNow(id));
            if (peers.length === api.n - 1) return [{ kind: 'broadcast', signed }];
            return peers.map((id) => sendToReplica(id, signed));
          }
          return silentNow(to.kind === 'replica' ? to.id : 'client') ? [] : [{ kind: 'send', to, signed }];
        }),
    };
  },
});
