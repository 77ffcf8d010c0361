// Prometheus metrics of one replica process (prom-client), read by /metrics. Gauges read
// the replica and the network when scraped; counters count events as the driver sees them.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsSource {
  view(): number;
  lastExecuted(): number;
  stableCheckpoint(): number;
  connectedReplicas(): number;
  connectedClients(): number;
  replicaQueueBytes(): readonly number[];
}

export class ReplicaMetrics {
  readonly registry = new Registry();
  readonly viewChangesStarted: Counter;
  readonly newViews: Counter;
  readonly stateTransfers: Counter;
  readonly requestsExecuted: Counter;
  readonly drops: Counter<'source' | 'reason'>;
  readonly requestLatency: Histogram;

  constructor(replicaId: number, source: MetricsSource) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ replica: String(replicaId) });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers, collect(this: Gauge) { this.set(read()); } });
    gauge('pancydb_view', 'Current view', () => source.view());
    gauge('pancydb_last_executed', 'Sequence number of the last executed batch', () => source.lastExecuted());
    gauge('pancydb_stable_checkpoint', 'Sequence number of the last stable checkpoint (h)', () => source.stableCheckpoint());
    gauge('pancydb_connected_replicas', 'Replica peers with an authenticated link', () => source.connectedReplicas());
    gauge('pancydb_connected_clients', 'Clients with an authenticated link', () => source.connectedClients());
    new Gauge({
      name: 'pancydb_peer_queue_bytes',
      help: 'Bytes queued for each replica peer (bounded; frames beyond the bound are dropped)',
      labelNames: ['peer'],
      registers,
      collect(this: Gauge<'peer'>) {
        // Every replica peer, this replica left out.
        source.replicaQueueBytes().forEach((bytes, peer) => peer !== replicaId && this.set({ peer: String(peer) }, bytes));
      },
    });
    this.viewChangesStarted = new Counter({ name: 'pancydb_view_changes_started_total', help: 'VIEW-CHANGE messages this replica started (§4.4)', registers });
    this.newViews = new Counter({ name: 'pancydb_new_views_total', help: 'NEW-VIEWs accepted: view changes completed', registers });
    this.stateTransfers = new Counter({ name: 'pancydb_state_transfers_total', help: 'Stable checkpoints installed from a peer', registers });
    this.requestsExecuted = new Counter({ name: 'pancydb_requests_executed_total', help: 'Client requests executed', registers });
    this.drops = new Counter({ name: 'pancydb_drops_total', help: 'Frames dropped, by where (core gateway or network) and why', labelNames: ['source', 'reason'], registers });
    this.requestLatency = new Histogram({
      name: 'pancydb_request_latency_seconds',
      help: "From the client's submit (its clock-based t) to execution here",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }
}
