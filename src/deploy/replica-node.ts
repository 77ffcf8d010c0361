// The TCP driver of one replica: a thin shell around the same pure Replica the simulator
// drives (src/sim/cluster.ts). Time is an input: a timer ticks the core every ~10 ms with
// Date.now(); received frames go in with the authenticated peer as `from`; outputs are
// executed in the order the core returned them: WAL records are appended at once, and
// the sends and replies of one event-loop turn wait for one fsync that covers every
// record of the turn (group commit, as MirBFT does it), then leave in order. The fsync
// runs on libuv's thread pool, so frames keep arriving and being checked meanwhile; the
// turns that come while one runs share the next. Drops are
// counted by reason, events logged and measured. Nothing protocol-specific lives here.
// The disk is a ReplicaDisk (src/storage/replica-disk.ts), as in the simulator. A
// Byzantine replica (`--adversary`) is the same core wrapped by a HostedAdversary
// (src/adversary/host.ts), exactly as the simulator hosts it; the driver then executes
// the adversary's outputs, holding a send back by its delayMs.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AdversaryOutput } from '../adversary/adversary.ts';
import { AdversaryFault, HostedAdversary, type FaultySpec } from '../adversary/host.ts';
import type { Rng } from '../adversary/rng.ts';
import type { DiskContents } from '../core/durability.ts';
import type { ReplicaDisk } from '../storage/replica-disk.ts';
import { Histogram } from 'prom-client';
import { toHex } from '../core/bytes.ts';
import { evidenceFileItem, evidenceFileText } from '../check/evidence-file.ts';
import { stateDigest } from '../core/checkpoints.ts';
import type { ReplicaConfig } from '../core/config.ts';
import { NONCE_BYTES } from '../core/encoding.ts';
import type { Peer } from '../core/gateway.ts';
import type { Signed } from '../core/messages.ts';
import { primaryOf } from '../core/quorum.ts';
import { Replica, type ReplicaEvent, type ReplicaInput } from '../core/replica.ts';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import { ReplicaNetwork, type NetLogEvent } from '../net/replica-network.ts';
import { replicaOptimizations } from '../sim/optimizations.ts';
import { authDomainOf, type ClusterConfig } from './cluster-config.ts';
import { ReplicaMetrics } from './metrics.ts';
import { restoreEvidence, type EvidenceStore } from './evidence-store.ts';
import type { ReplicaMessageObserver } from './replica-message-log.ts';

/** The metrics port's limits: a scraper and an operator's curl need a handful of connections and well under a second. */
const HTTP_MAX_CONNECTIONS = 64;
const HTTP_HEADERS_TIMEOUT_MS = 5_000;
const HTTP_REQUEST_TIMEOUT_MS = 10_000;

export type LogLine = Record<string, unknown> & { readonly event: string };

export interface ReplicaNodeOptions {
  readonly cluster: ClusterConfig;
  readonly id: number;
  readonly keyPair: KeyPair;
  readonly crypto: Crypto;
  /** Started before, memory lost (see core/restart-guard.ts): no votes until it is safe. */
  readonly restarted: boolean;
  /**
   * Its WAL and checkpoints, opened and recovered by the caller, with what they held
   * (core/durability.ts). Without it nothing is written: `--durability none`.
   */
  readonly storage?: { readonly disk: ReplicaDisk; readonly contents: DiskContents };
  readonly log: (line: LogLine) => void;
  readonly tickMs?: number;
  readonly dropSummaryMs?: number;
  /** /health: a request waiting longer than this without any execution is unhealthy. */
  readonly stallMs?: number;
  /** Runs this replica Byzantine: the adversary, its options (checked by the caller) and its seeded Rng. */
  readonly adversary?: { readonly spec: FaultySpec; readonly rng: Rng };
  /** The hosted adversary broke its contract mid-run (an AdversaryFault): the process should stop, exit 2. */
  readonly onAdversaryFault?: (fault: AdversaryFault) => void;
  /** DATA/evidence.json: evidence of equivocation kept across restarts (evidence-store.ts); none without it. */
  readonly evidencePath?: string;
  /** `--message-log`: told every step and every frame as it leaves (replica-message-log.ts). */
  readonly messageLog?: ReplicaMessageObserver;
}

/** Why a process cannot host api.spawnTwin(): the AdversaryFault's explanation. */
const NO_TWINS_IN_A_PROCESS =
  'a twin is a second instance with this replica\'s key, which needs a second network identity; a process has one. ' +
  'Run this adversary in the simulator (a scenario file: pancydb sim --scenario FILE)';

export class ReplicaNode {
  readonly replica: Replica;
  /** Set when this replica runs an adversary; it wraps `replica`. */
  readonly adversary: HostedAdversary | undefined;
  readonly network: ReplicaNetwork;
  readonly metrics: ReplicaMetrics;
  private readonly http: Server;
  private tickTimer: NodeJS.Timeout | undefined;
  private summaryTimer: NodeJS.Timeout | undefined;
  /** Drops since the last summary line, by source:reason. */
  private dropsSinceSummary = new Map<string, number>();
  private readonly dropsTotal = new Map<string, number>();
  /** First client frame not yet followed by an execution (for /health). */
  private waitingSinceMs: number | undefined;
  private lastExecutionAtMs: number | undefined;
  /** Sends an adversary holds back (delayMs), cleared on stop. */
  private readonly heldSends = new Set<NodeJS.Timeout>();
  /** Sends of this turn, waiting for the fsync that covers the records before them. */
  private waitingSends: (() => void)[] = [];
  private flushScheduled = false;
  private stopped = false;
  /** The background fsync running, settled by its callback (rejected on its error): stop() waits for it. */
  private syncInFlight: Promise<void> | undefined;
  private readonly fsyncSeconds: Histogram;
  private readonly evidenceStore: EvidenceStore | undefined;

  constructor(private readonly options: ReplicaNodeOptions) {
    const { cluster, id, keyPair, crypto } = options;
    const replicaKeys = cluster.replicas.map((replica) => replica.publicKey);
    // cluster.parameters carries `auth`; the cluster id keeps its session keys its own. The
    // optimizations become the core's fields, for an adversary's replica too (it gets `config`).
    const { optimizations, ...parameters } = cluster.parameters;
    const config: ReplicaConfig = {
      ...parameters,
      ...replicaOptimizations(optimizations),
      authDomain: authDomainOf(cluster),
      id,
      keyPair,
      crypto,
      replicaKeys,
      clientKey: (client) => cluster.clients[client]?.publicKey,
    };
    const recovery = options.restarted ? { restarted: true, recoveryNonce: new Uint8Array(randomBytes(NONCE_BYTES)) } : {};
    this.adversary = options.adversary === undefined ? undefined : this.hostAdversary(config, recovery, options.adversary);
    // An adversary's replica is rebuilt without its disk: what a faulty replica logged proves nothing.
    const disk = options.restarted || options.storage === undefined ? {} : { disk: options.storage.contents };
    this.replica = this.adversary?.replica ?? new Replica(config, { ...recovery, ...disk });
    const evidencePath = options.evidencePath;
    this.evidenceStore = restoreEvidence(this.replica.evidence, evidencePath === undefined ? undefined : { path: evidencePath, holder: id, cluster, crypto, log: options.log });
    this.network = new ReplicaNetwork({
      config: cluster,
      id,
      keyPair,
      crypto,
      onFrame: (from, frame) => this.receive(from, frame),
      log: (event: NetLogEvent) => options.log(event),
      onDrop: (reason) => this.countDrop('network', reason),
    });
    this.metrics = new ReplicaMetrics(id, {
      view: () => this.replica.view,
      lastExecuted: () => this.replica.lastExecuted,
      stableCheckpoint: () => this.replica.lowWatermark,
      connectedReplicas: () => this.network.connectedReplicas().length,
      connectedClients: () => this.network.connectedClients(),
      replicaQueueBytes: () => this.network.replicaQueueBytes(),
    });
    this.fsyncSeconds = new Histogram({
      name: 'pancydb_fsync_seconds',
      help: 'Time to make the WAL records of the event-loop turns since the last fsync durable (one background fsync at a time)',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [this.metrics.registry],
    });
    this.http = createServer({ headersTimeout: HTTP_HEADERS_TIMEOUT_MS, requestTimeout: HTTP_REQUEST_TIMEOUT_MS }, (request, response) => void this.serveHttp(request, response));
    // Whoever reaches the metrics port is untrusted: few connections, each given seconds, not
    // Node's minutes, to send its request (a slow-headers client otherwise holds a socket and
    // up to 16 KiB for a minute, as many times as it likes).
    this.http.maxConnections = HTTP_MAX_CONNECTIONS;
  }

  /** Listens for peers and for HTTP, then starts ticking; returns where. */
  async start(): Promise<{ readonly listen: string; readonly metrics: string }> {
    const self = this.options.cluster.replicas[this.options.id]!;
    try {
      // The metrics port first: the peer port's start also starts dialing, and a dial's
      // ephemeral local port could be the very metrics port not yet bound.
      await new Promise<void>((resolve, reject) => {
        this.http.once('error', reject);
        this.http.listen(self.metricsPort, self.host, () => {
          this.http.off('error', reject);
          // Listening, an error on the metrics port is logged, never a crash of the replica.
          this.http.on('error', (error) => this.options.log({ event: 'metrics-error', reason: error.message }));
          resolve();
        });
      });
      await this.network.start();
    } catch (error) {
      // A replica that cannot listen exits (status 2): nothing it opened may keep the
      // process alive, connected to its peers but never ready.
      this.stopped = true;
      await Promise.all([this.network.close(), new Promise<void>((resolve) => this.http.close(() => resolve()))]);
      throw error;
    }
    this.tickTimer = setInterval(() => this.step({ kind: 'tick', nowMs: Date.now() }), this.options.tickMs ?? 10);
    this.summaryTimer = setInterval(() => this.summarizeDrops(), this.options.dropSummaryMs ?? 10_000);
    const host = self.host.includes(':') ? `[${self.host}]` : self.host;
    return { listen: `${host}:${self.port}`, metrics: `http://${host}:${self.metricsPort}/metrics` };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tickTimer);
    // A running background fsync's outcome first. Syncing over it is no substitute: after
    // an EIO, a second fsync of the same file reports success for the lost pages
    // (fsyncgate), so its sends would leave and its error be lost. On its error this
    // rejects (and its callback has thrown: the process dies, exit 1, not 0).
    await this.syncInFlight;
    // Then the last records synchronously (their sends then go out as the links close),
    // and no background sync's callback after this.
    this.options.storage?.disk.sync();
    this.release(this.waitingSends.length);
    this.options.storage?.disk.storage.close();
    clearInterval(this.summaryTimer);
    for (const timer of this.heldSends) clearTimeout(timer);
    this.heldSends.clear();
    this.summarizeDrops();
    this.http.closeAllConnections();
    await Promise.all([this.network.close(), new Promise<void>((resolve) => this.http.close(() => resolve()))]);
  }

  status(): Record<string, unknown> {
    const replica = this.replica;
    const connected = this.network.connectedReplicas();
    return {
      id: replica.id,
      view: replica.view,
      primary: primaryOf(replica.view, replica.config.n),
      active: replica.active,
      lastExecuted: replica.lastExecuted,
      // What checkpoints compare (§4.3): equal at equal lastExecuted on correct replicas.
      stateDigest: toHex(stateDigest(replica.config.crypto.sha256, replica.store.snapshot(), replica.clients.encode())),
      stableCheckpoint: replica.lowWatermark,
      recovering: replica.recovering,
      viewChangesCompleted: replica.viewChangesCompleted,
      stateTransfers: replica.stateTransfers,
      connectedReplicas: connected,
      connectedClients: this.network.connectedClients(),
      queueBytes: this.network.replicaQueueBytes(),
      drops: Object.fromEntries([...this.dropsTotal].sort()),
      lastExecutionAtMs: this.lastExecutionAtMs ?? null,
      healthy: this.healthy(),
      durability: this.options.storage === undefined ? 'none' : 'fsync',
      auth: this.options.cluster.parameters.auth,
      clusterId: this.options.cluster.clusterId,
      adversary: this.options.adversary?.spec.definition.name ?? null,
      // OSDI'99 §5.1's optimizations on in this cluster (cluster.json), e.g. ["read-only"].
      optimizations: this.options.cluster.parameters.optimizations,
      // Who this replica caught equivocating (core/evidence.ts); GET /evidence has the signed frames.
      evidence: replica.evidence.items().map(({ culprit, kind, view, seq }) => ({ culprit, kind, view: view ?? null, seq: seq ?? null })),
    };
  }

  /**
   * The evidence this replica holds as an evidence file (check/evidence-file.ts), for
   * `pancydb verify-evidence FILE --cluster cluster.json`: the two signed frames per item,
   * which anyone with the cluster's public keys can check.
   */
  evidenceFile(): string {
    const items = this.replica.evidence.items().map((evidence) => evidenceFileItem(this.options.id, evidence));
    return evidenceFileText({ kind: 'cluster', clusterId: this.options.cluster.clusterId }, items);
  }

  /** Connected to 2f peers, and either idle or executing: no client request waiting longer than stallMs. */
  healthy(): boolean {
    const { f } = this.replica.quorums;
    if (this.network.connectedReplicas().length < 2 * f) return false;
    return this.waitingSinceMs === undefined || Date.now() - this.waitingSinceMs < (this.options.stallMs ?? 10_000);
  }

  private receive(from: Peer, frame: Uint8Array): void {
    const nowMs = Date.now();
    this.step({ kind: 'receive', from, frame, nowMs });
    // Stalled means a request the core holds has waited this long; a junk frame or a
    // retransmission answered from the client table leaves nothing waiting.
    if (!this.replica.holdsUnexecutedRequests) this.waitingSinceMs = undefined;
    else this.waitingSinceMs ??= nowMs;
  }

  /** One input to the core, or to the adversary around it; then its outputs. */
  private step(input: ReplicaInput): void {
    let outputs: readonly AdversaryOutput[];
    try {
      outputs = this.adversary === undefined ? this.replica.step(input) : this.adversary.step(input);
    } catch (error) {
      if (!(error instanceof AdversaryFault) || this.options.onAdversaryFault === undefined) throw error;
      clearInterval(this.tickTimer);
      return this.options.onAdversaryFault(error);
    }
    this.options.messageLog?.stepped(input, outputs);
    this.execute(outputs);
  }

  /** The core's (or the adversary's) outputs, in its order. */
  private execute(outputs: readonly AdversaryOutput[]): void {
    for (const output of outputs) {
      switch (output.kind) {
        case 'persist':
          this.options.storage?.disk.append(output.record);
          break;
        case 'checkpoint':
          this.options.storage?.disk.writeCheckpoint(output.bytes, output.truncate);
          break;
        case 'send': {
          const { to, signed } = output;
          this.afterSync(() => this.sendLater('delayMs' in output ? output.delayMs : undefined, () => this.sendNow(to, signed)));
          break;
        }
        case 'broadcast': {
          const { signed } = output;
          this.afterSync(() => this.sendLater('delayMs' in output ? output.delayMs : undefined, () => this.sendNow('replicas', signed)));
          break;
        }
        case 'drop':
          this.countDrop('core', output.reason);
          break;
        case 'event':
          this.onEvent(output.event);
          break;
      }
    }
  }

  /** A frame leaves: logged as it does. */
  private sendNow(to: Peer | 'replicas', signed: Signed): void {
    this.options.messageLog?.sent(to, signed);
    if (to === 'replicas') this.network.broadcast(signed.frame);
    else this.network.send(to, signed.frame);
  }

  /** A send waits while records are unsynced, and so does every send after it (order is kept). */
  private afterSync(send: () => void): void {
    if (this.options.storage?.disk.hasUnsynced !== true && this.waitingSends.length === 0) return send();
    this.waitingSends.push(send);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // After the I/O callbacks of this turn: every frame that arrived in it shares the fsync.
    setImmediate(() => this.flush());
  }

  /**
   * Starts one background fsync for every record so far; the sends queued so far leave
   * when it ends, in order. While one runs, the next waits for it (the rule is only
   * "records before sends", and one fsync at a time lets the next cover every turn that
   * came meanwhile).
   */
  private flush(): void {
    this.flushScheduled = false;
    const disk = this.options.storage?.disk;
    if (this.stopped) return;
    if (disk === undefined || !disk.hasUnsynced) return this.release(this.waitingSends.length);
    if (disk.syncing) return;
    const covered = this.waitingSends.length;
    const started = process.hrtime.bigint();
    let settle!: (error: Error | undefined) => void;
    this.syncInFlight = new Promise<void>((resolve, reject) => (settle = (error) => (error === undefined ? resolve() : reject(error))));
    this.syncInFlight.catch(() => {}); // The callback throws it; stop() awaits it.
    disk.syncInBackground((error, synced) => {
      this.syncInFlight = undefined;
      settle(error);
      // The storage now refuses all use (fsyncgate, disk-storage.ts): crash, restart,
      // recover. During stop() too: the error must not be swallowed.
      if (error !== undefined) throw error;
      // stop() sends the rest after its own sync.
      if (this.stopped) return;
      if (synced) this.fsyncSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      this.release(covered);
      if (this.waitingSends.length > 0) this.flush();
    });
  }

  /** The first `count` waiting sends, in order. */
  private release(count: number): void {
    const sends = this.waitingSends.splice(0, count);
    for (const send of sends) send();
  }

  /** An adversary may hold a message back (AdversaryOutput.delayMs): a timer, where the simulator uses its event queue. */
  private sendLater(delayMs: number | undefined, send: () => void): void {
    if (delayMs === undefined || !(delayMs > 0)) return send();
    const timer = setTimeout(() => {
      this.heldSends.delete(timer);
      send();
    }, delayMs);
    this.heldSends.add(timer);
  }

  /**
   * The adversary around this replica, hosted as the simulator hosts it, except: no
   * colluders (one process knows of no other faulty replica), its clock starts when the
   * process does, notes are log lines, and there are no twins.
   */
  private hostAdversary(config: ReplicaConfig, recovery: { recoveryNonce?: Uint8Array }, adversary: NonNullable<ReplicaNodeOptions['adversary']>): HostedAdversary {
    const name = adversary.spec.definition.name;
    let hosted: HostedAdversary | undefined;
    const note = (line: string) => this.options.log({ event: 'adversary-note', adversary: name, atMs: hosted?.nowMs ?? 0, line });
    hosted = new HostedAdversary(adversary.spec, {
      config,
      faulty: [config.id],
      shared: new Map(),
      rng: adversary.rng,
      note,
      clockOriginMs: Date.now(),
      twinsUnsupported: NO_TWINS_IN_A_PROCESS,
      ...recovery,
    });
    return hosted;
  }

  private countDrop(source: 'core' | 'network', reason: string): void {
    const key = `${source}:${reason}`;
    this.dropsSinceSummary.set(key, (this.dropsSinceSummary.get(key) ?? 0) + 1);
    this.dropsTotal.set(key, (this.dropsTotal.get(key) ?? 0) + 1);
    this.metrics.drops.inc({ source, reason });
  }

  /** Drops are many and mostly benign (late duplicates): one line per period, not one per drop. */
  private summarizeDrops(): void {
    if (this.dropsSinceSummary.size === 0) return;
    const counts = Object.fromEntries([...this.dropsSinceSummary].sort());
    this.dropsSinceSummary = new Map();
    this.options.log({ event: 'drops', counts });
  }

  private onEvent(event: ReplicaEvent): void {
    const { log } = this.options;
    switch (event.type) {
      case 'executed': {
        const nowMs = Date.now();
        this.lastExecutionAtMs = nowMs;
        this.waitingSinceMs = undefined;
        for (const { request, result } of event.executions) {
          if (result === undefined) continue;
          this.metrics.requestsExecuted.inc();
          // Clock-based t is the client's submit time in µs; counter-based t is not a time.
          const latencyMs = nowMs - request.message.timestamp / 1000;
          if (latencyMs >= 0 && latencyMs < 3_600_000) this.metrics.requestLatency.observe(latencyMs / 1000);
        }
        return;
      }
      case 'committed':
      case 'checkpoint':
        return;
      case 'stable-checkpoint':
        return log({ event: 'checkpoint-stable', seq: event.seq });
      case 'checkpoint-mismatch':
        return log({ event: 'checkpoint-mismatch', seq: event.seq });
      case 'view-change':
        this.metrics.viewChangesStarted.inc();
        return log({ event: 'view-change', view: event.view, reason: event.reason, prepared: event.prepared.length });
      case 'new-view':
        this.metrics.newViews.inc();
        return log({ event: 'new-view', view: event.view, primary: primaryOf(event.view, this.replica.config.n), minS: event.minS, maxS: event.maxS, nulls: event.nulls });
      case 'state-transfer':
        this.metrics.stateTransfers.inc();
        return log({ event: 'state-transfer', seq: event.seq, from: event.from });
      case 'voting-resumed':
        return log({ event: 'voting-resumed', view: event.view });
      case 'evidence': {
        const { culprit, kind, view, seq } = event.evidence;
        this.evidenceStore?.save(this.replica.evidence.items());
        return log({ event: 'evidence', culprit, kind, view: view ?? null, seq: seq ?? null });
      }
    }
  }

  private async serveHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      const body = await this.metrics.registry.metrics();
      response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body);
    } else if (path === '/health') {
      const healthy = this.healthy();
      response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify({ healthy, connectedReplicas: this.network.connectedReplicas() })}\n`);
    } else if (path === '/status') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(this.status())}\n`);
    } else if (path === '/evidence') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(this.evidenceFile());
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /health, /status or /evidence\n');
    }
  }
}
