// `pancydb client`: one operation against a running cluster, as a new process with the
// client's key. Exit status: 0 ok, 1 the store said no (no_match, not_found), 2 usage
// error, 3 timed out with the outcome unknown (the request may still execute).
import type { Operation, OperationResult } from '../core/operations.ts';
import { isWriteResult, validateOperation } from '../core/operations.ts';
import { createFastestCrypto } from '../crypto/index.ts';
import { parseFlags, required, wholeFlag } from '../deploy/args.ts';
import { connect, requestTooLarge } from '../deploy/connect.ts';
import { DEFAULT_MESSAGE_LOG_MAX_BYTES, MessageLogFile } from '../deploy/message-log.ts';
import { loadClient } from '../deploy/load-member.ts';
import type { Output } from './sim.ts';
import { UsageError } from './usage-error.ts';

export const CLIENT_HELP = `Usage: pancydb client --cluster FILE [--key FILE] [--client-id C] [--timeout S] [--json] OPERATION

Authenticates its request as FILE's parameters.auth says (signed, or mac: a signature
and one MAC per replica), and accepts a result once f+1 replicas' replies agree, or 2f+1
with FILE's parameters.optimizations naming read-only or tentative (a get then goes to
every replica first, unordered, with read-only; src/core/read-only.ts).
Operations:
  get KEY
  put KEY VALUE [--version-match V]
  cas KEY EXPECTED DESIRED [--version-match V]
  remove KEY [--version-match V]
Options:
  --key FILE        the client's private key (default: client-0.key beside FILE)
  --client-id C     the client id (default: the client whose public key matches the key)
  --timeout S       give up after S seconds (default 10)
  --json            print the result as JSON
  --message-log FILE
                    append the call, the return and every frame sent and received to
                    FILE as JSON lines, for pancydb picture (one file per concurrently
                    running client; it stops growing at ${DEFAULT_MESSAGE_LOG_MAX_BYTES / 1024 / 1024} MiB)
Exit status: 0 ok, 1 the store said no (no_match, not_found), 2 usage error,
3 timed out: the outcome is unknown (the operation may still take effect).`;

/** How long a client waits for links to 2f+1 replicas before it sends anyway (frames wait in their queues). */
const LINKS_WAIT_MS = 2000;
/** And then for the other links. */
const LATE_LINKS_GRACE_MS = 250;

const ARITY: Record<string, number> = { get: 1, put: 2, cas: 3, remove: 1 };

export async function runClientCommand(args: readonly string[], output: Output): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      cluster: { type: 'string' },
      key: { type: 'string' },
      'client-id': { type: 'string' },
      timeout: { type: 'string' },
      'version-match': { type: 'string' },
      json: { type: 'boolean' },
      'message-log': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help === true) {
    output.out(CLIENT_HELP);
    return 0;
  }
  const operation = parseOperation(positionals, wholeFlag('--version-match', values['version-match'], 0, Number.MAX_SAFE_INTEGER));
  const clusterFile = required('--cluster', values.cluster);
  const timeoutS = wholeFlag('--timeout', values.timeout, 1, 3600) ?? 10;
  const crypto = createFastestCrypto();
  const { cluster, keyPair, id } = loadClient(clusterFile, values.key, wholeFlag('--client-id', values['client-id'], 0, 1_000_000), crypto);
  // What the store's own rules refuse (a versionMatch above its range, a request over the
  // client frame cap) is the caller's mistake: exit 2 before connecting, not 70 or 3 after.
  try {
    validateOperation(operation);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const tooLarge = requestTooLarge({ id, n: cluster.parameters.n, auth: cluster.parameters.auth }, operation);
  if (tooLarge !== undefined) throw new UsageError(tooLarge);
  const log = values.verbose === true ? (line: string) => output.err(`client ${id}: ${line}`) : undefined;
  const messageLog = openMessageLog(values['message-log'], output);
  const client = connect(cluster, keyPair, { clientId: id, crypto, ...(log === undefined ? {} : { log }), ...(messageLog === undefined ? {} : { messageLog }) });
  let timer: NodeJS.Timeout | undefined;
  try {
    // A new process has no links yet: the request waits for them (a bounded while), so that
    // the client's retransmission timer, and a read-only request's fallback (§5.1), start
    // when its frames can leave rather than during the handshakes.
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutS * 1000)));
    // First the 2f+1 links any answer needs, then a short grace for the others (a replica
    // that is down costs that grace, not the whole wait).
    const n = cluster.parameters.n;
    await client.network.untilConnected(n - (n - 1) / 3, Math.min(LINKS_WAIT_MS, timeoutS * 1000));
    await client.network.untilConnected(n, LATE_LINKS_GRACE_MS);
    const result = await Promise.race([client.execute(operation), timedOut]);
    if (result === 'timeout') {
      output.err(`pancydb client: no answer from f+1 replicas within ${timeoutS} s; the outcome is unknown (connected to replicas [${client.network.connectedReplicas().join(', ')}])`);
      return 3;
    }
    output.out(values.json === true ? JSON.stringify(result) : describe(result));
    return result.status === 'ok' ? 0 : 1;
  } finally {
    clearTimeout(timer);
    client.close();
    await messageLog?.close();
  }
}

/** `--message-log FILE`, opened for appending (exit 2 naming it if it cannot be). */
function openMessageLog(path: string | undefined, output: Output): MessageLogFile | undefined {
  if (path === undefined) return undefined;
  try {
    return MessageLogFile.open(path, DEFAULT_MESSAGE_LOG_MAX_BYTES, (problem) => output.err(`pancydb client: ${problem}`));
  } catch (error) {
    throw new UsageError(`--message-log ${(error as Error).message}`);
  }
}

function parseOperation(positionals: readonly string[], versionMatch: number | undefined): Operation {
  const [type, ...operands] = positionals;
  if (type === undefined) throw new UsageError('an operation is required: get, put, cas or remove');
  const arity = ARITY[type];
  if (arity === undefined) throw new UsageError(`unknown operation ${JSON.stringify(type)}: expected get, put, cas or remove`);
  if (operands.length !== arity) throw new UsageError(`${type}: expects ${arity} operand(s), got ${operands.length}`);
  if (type === 'get' && versionMatch !== undefined) throw new UsageError('--version-match: not for get');
  const match = versionMatch === undefined ? {} : { versionMatch };
  const [key, a, b] = operands as [string, string, string];
  switch (type) {
    case 'get':
      return { type, key };
    case 'put':
      return { type, key, value: a, ...match };
    case 'cas':
      return { type, key, expected: a, desired: b, ...match };
    default:
      return { type: 'remove', key, ...match };
  }
}

function describe(result: OperationResult): string {
  if (isWriteResult(result)) return `${result.status} version ${result.version} (previous ${result.previousVersion}) actual ${JSON.stringify(result.actual)}`;
  return `${result.status} version ${result.version}${result.value === undefined ? '' : ` value ${JSON.stringify(result.value)}`}`;
}
