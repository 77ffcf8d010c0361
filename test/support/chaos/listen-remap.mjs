// Preloaded into a replica process that runs behind the chaos proxy (node --import).
//
// Why: a replica listens on exactly the address cluster.json advertises for it, and its
// peers dial that address, so nothing can sit between two replicas. The chaos proxy takes
// the advertised port; this preload moves the replica's own listener for that one port to
// a free port (port 0) and prints where it went, so the proxy can forward to it:
//   pancydb-chaos: replica listener for advertised port 41234 is 127.0.0.2:45678
// Nothing else changes: the metrics port, the dialers and the protocol are untouched.
// A `--listen HOST:PORT` flag on `pancydb replica` would make this file unnecessary.
import net from 'node:net';

const advertised = Number(process.env.PANCYDB_CHAOS_ADVERTISED_PORT);
if (Number.isSafeInteger(advertised) && advertised > 0) {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function remappedListen(...args) {
    if (args[0] === advertised) {
      args[0] = 0;
      this.once('listening', () => {
        const address = this.address();
        process.stdout.write(`pancydb-chaos: replica listener for advertised port ${advertised} is ${address.address}:${address.port}\n`);
      });
    }
    return listen.apply(this, args);
  };
}
