// The TCP driver of one replica: a thin shell around the same pure Replica the simulator
// drives (src/sim/cluster.ts). Time is an input: a timer ticks the core every ~10 ms with
// Date.now(); received frames go in with the authenticated peer as `from`; outputs are
// executed in the order the core returned them (there is no disk yet, so: sends and
// replies in order, drops counted by reason, events logged and measured). Nothing
// protocol-specific lives here.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { NONCE_BYTES } from '../core/encoding.ts';
import type { Peer } from '../core/gateway.ts';
import { primaryOf } from '../core/quorum.ts';
import { Replica, type ReplicaEvent, type ReplicaOutput } from '../core/replica.ts';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import { ReplicaNetwork, type NetLogEvent } from '../net/replica-network.ts';
import type { ClusterConfig } from './cluster-config.ts';
import { ReplicaMetrics } from './metrics.ts';

export type LogLine = Record<string, unknown> & { readonly event: string };

export interface ReplicaNodeOptions {
  readonly cluster: ClusterConfig;
  readonly id: number;
  readonly keyPair: KeyPair;
  readonly crypto: Crypto;
  /** Started before, memory lost (see core/restart-guard.ts): no votes until it is safe. */
  readonly restarted: boolean;
  readonly log: (line: LogLine) => void;
  readonly tickMs?: number;
  readonly dropSummaryMs?: number;
  /** /health: a request waiting longer than this without any execution is unhealthy. */
  readonly stallMs?: number;
}

export class ReplicaNode {
  readonly replica: Replica;
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

  constructor(private readonly options: ReplicaNodeOptions) {
    const { cluster, id, keyPair, crypto } = options;
    const replicaKeys = cluster.replicas.map((replica) => replica.publicKey);
    this.replica = new Replica(
      { ...cluster.parameters, id, keyPair, crypto, replicaKeys, clientKey: (client) => cluster.clients[client]?.publicKey },
      options.restarted ? { restarted: true, recoveryNonce: new Uint8Array(randomBytes(NONCE_BYTES)) } : {},
    );
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
    this.http = createServer((request, response) => void this.serveHttp(request, response));
  }

  /** Listens for peers and for HTTP, then starts ticking; returns where. */
  async start(): Promise<{ readonly listen: string; readonly metrics: string }> {
    const self = this.options.cluster.replicas[this.options.id]!;
    await this.network.start();
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(self.metricsPort, self.host, () => resolve());
    });
    this.tickTimer = setInterval(() => this.execute(this.replica.step({ kind: 'tick', nowMs: Date.now() })), this.options.tickMs ?? 10);
    this.summaryTimer = setInterval(() => this.summarizeDrops(), this.options.dropSummaryMs ?? 10_000);
    const host = self.host.includes(':') ? `[${self.host}]` : self.host;
    return { listen: `${host}:${self.port}`, metrics: `http://${host}:${self.metricsPort}/metrics` };
  }

  async stop(): Promise<void> {
    clearInterval(this.tickTimer);
    clearInterval(this.summaryTimer);
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
      durability: 'none',
      clusterId: this.options.cluster.clusterId,
    };
  }

  /** Connected to 2f peers, and either idle or executing: no client request waiting longer than stallMs. */
  healthy(): boolean {
    const { f } = this.replica.quorums;
    if (this.network.connectedReplicas().length < 2 * f) return false;
    return this.waitingSinceMs === undefined || Date.now() - this.waitingSinceMs < (this.options.stallMs ?? 10_000);
  }

  private receive(from: Peer, frame: Uint8Array): void {
    const nowMs = Date.now();
    if (from.kind === 'client') this.waitingSinceMs ??= nowMs;
    this.execute(this.replica.step({ kind: 'receive', from, frame, nowMs }));
  }

  /** The core's outputs, in its order. */
  private execute(outputs: readonly ReplicaOutput[]): void {
    for (const output of outputs) {
      switch (output.kind) {
        case 'send':
          this.network.send(output.to, output.signed.frame);
          break;
        case 'broadcast':
          this.network.broadcast(output.signed.frame);
          break;
        case 'drop':
          this.countDrop('core', output.reason);
          break;
        case 'event':
          this.onEvent(output.event);
          break;
      }
    }
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
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /health or /status\n');
    }
  }
}
