// Run records built by hand, message by message, in the shape the simulator's recorder gives:
// a normal run (n=4, two clients, every operation through PRE-PREPARE, PREPARE, COMMIT and
// REPLY, a checkpoint), a view change (the primary crashes; the backups' VIEW-CHANGEs, the
// new primary's NEW-VIEW, view 1), and a violation (an equivocating primary, evidence kept
// against it, lost and dropped messages, two operations the checker names).
import type { LaneEvent, LaneId, MessageRecord, OperationRecord, PictureMessageType, RunRecord, ViewBand } from '../../src/picture/record.ts';

const LATENCY_MS = 1.6;

interface Send {
  readonly view?: number;
  readonly seq?: number;
  readonly digest?: string;
  readonly lost?: string;
  readonly dropped?: string;
  readonly faulty?: boolean;
  readonly latencyMs?: number;
  readonly signer?: LaneId;
}

export class RunBuilder {
  readonly messages: MessageRecord[] = [];
  readonly events: LaneEvent[] = [];
  readonly operations: OperationRecord[] = [];
  private jitter = 0;

  constructor(readonly n: number) {}

  replicas(): LaneId[] {
    return Array.from({ length: this.n }, (_, r): LaneId => `r${r}`);
  }

  send(from: LaneId, to: LaneId, type: PictureMessageType, sentMs: number, options: Send = {}): void {
    // A deterministic spread of delays, so arrows fan out as they do in a real run.
    this.jitter = (this.jitter + 0.37) % 1;
    const latency = options.latencyMs ?? LATENCY_MS + this.jitter;
    const fields = [options.view === undefined ? '' : `v=${options.view}`, options.seq === undefined ? '' : `n=${options.seq}`, options.digest === undefined ? '' : `d=${options.digest}`];
    this.messages.push({
      from,
      to,
      type,
      sentMs,
      ...(options.lost === undefined ? { receivedMs: sentMs + latency } : { lost: options.lost }),
      ...(options.dropped === undefined ? {} : { dropped: options.dropped }),
      ...(options.view === undefined ? {} : { view: options.view }),
      ...(options.seq === undefined ? {} : { seq: options.seq }),
      ...(options.digest === undefined ? {} : { digest: options.digest }),
      signer: options.signer ?? from,
      ...(options.faulty === true ? { faulty: true } : {}),
      text: [type.toUpperCase(), ...fields.filter((x) => x !== '')].join(' '),
    });
  }

  broadcast(from: LaneId, type: PictureMessageType, sentMs: number, options: Send = {}, skip: readonly LaneId[] = []): void {
    for (const to of this.replicas()) if (to !== from && !skip.includes(to)) this.send(from, to, type, sentMs, options);
  }

  event(lane: LaneId, atMs: number, kind: LaneEvent['kind'], text: string, view?: number, seq?: number): void {
    this.events.push({ lane, atMs, kind, text, ...(view === undefined ? {} : { view }), ...(seq === undefined ? {} : { seq }) });
  }

  /** One operation through the three phases in `view`, primary `primary`; returns its return time. */
  operation(client: number, callMs: number, view: number, primary: number, seq: number, operation: string, options: { down?: readonly LaneId[]; offending?: boolean } = {}): number {
    const c: LaneId = `c${client}`;
    const p: LaneId = `r${primary}`;
    const digest = (seq * 2654435761).toString(16).slice(-6).padStart(6, '0');
    const down = options.down ?? [];
    const lostTo = (to: LaneId): Send => (down.includes(to) ? { lost: 'crashed' } : {});
    this.send(c, p, 'request', callMs, { signer: c });
    const slot = { view, seq, digest };
    for (const to of this.replicas()) if (to !== p) this.send(p, to, 'pre-prepare', callMs + 2.2, { ...slot, ...lostTo(to) });
    const live = this.replicas().filter((r) => !down.includes(r));
    for (const from of live) if (from !== p) for (const to of this.replicas()) if (to !== from) this.send(from, to, 'prepare', callMs + 4.4, { ...slot, ...lostTo(to) });
    for (const from of live) for (const to of this.replicas()) if (to !== from) this.send(from, to, 'commit', callMs + 6.8, { ...slot, ...lostTo(to) });
    for (const r of live) {
      this.event(r, callMs + 8.9, 'execute', `execute n=${seq} ${operation}`, view, seq);
      this.send(r, c, 'reply', callMs + 9.1, { view });
    }
    const returnMs = callMs + 11.4;
    this.operations.push({ client, callMs, returnMs, operation, result: `ok ver=${seq}`, ...(options.offending === true ? { offending: true } : {}) });
    return returnMs;
  }

  checkpoint(atMs: number, seq: number, view: number, down: readonly LaneId[] = []): void {
    const digest = `c${seq.toString(16).padStart(5, '0')}`;
    for (const r of this.replicas()) {
      if (down.includes(r)) continue;
      this.event(r, atMs, 'checkpoint', `checkpoint n=${seq}`, view, seq);
      for (const to of this.replicas()) if (to !== r) this.send(r, to, 'checkpoint', atMs + 0.2, { seq, digest, ...(down.includes(to) ? { lost: 'crashed' } : {}) });
      this.event(r, atMs + 2.5, 'stable-checkpoint', `stable checkpoint n=${seq}`, view, seq);
    }
  }
}

export function lanes(n: number, clients: number, faulty?: { replica: number; adversary: string; options?: string }): RunRecord['lanes'] {
  return [
    ...Array.from({ length: n }, (_, r) => ({ id: `r${r}` as LaneId, kind: 'replica' as const, index: r, ...(faulty?.replica === r ? { faulty: { adversary: faulty.adversary, ...(faulty.options === undefined ? {} : { options: faulty.options }) } } : {}) })),
    ...Array.from({ length: clients }, (_, c) => ({ id: `c${c}` as LaneId, kind: 'client' as const, index: c })),
  ];
}

const VIEW_ZERO: ViewBand = { view: 0, primary: 0, entered: { 0: 0, 1: 0, 2: 0, 3: 0 } };

export function record(title: string, seed: number, b: RunBuilder, parts: Pick<RunRecord, 'lanes' | 'views' | 'verdict' | 'evidence' | 'endMs'>): RunRecord {
  return {
    format: 'pancydb-run/v1',
    source: { kind: 'simulator', seed, replay: `pancydb sim -S ${seed} -n 4 --html picture.html` },
    title,
    n: 4,
    f: 1,
    auth: 'signatures',
    ...parts,
    messages: b.messages,
    events: b.events,
    operations: b.operations,
  };
}

/** n=4, two clients, six operations in view 0, a checkpoint at n=4. */
export function normalRun(): RunRecord {
  const b = new RunBuilder(4);
  let seq = 1;
  for (let k = 0; k < 3; k++) {
    b.operation(0, 2 + k * 14, 0, 0, seq++, `put k${k}="v${k}"`);
    b.operation(1, 8 + k * 14, 0, 0, seq++, `get k${k}`);
    if (seq === 5) b.checkpoint(2 + k * 14 + 12, 4, 0);
  }
  return record('normal run, seed 1', 1, b, { lanes: lanes(4, 2), views: [VIEW_ZERO], verdict: { ok: true, linearizability: 'linearizable', violations: [] }, evidence: [], endMs: 60 });
}

/** The primary r0 crashes at 30 ms; the backups move to view 1 (primary r1) and go on. */
export function viewChangeRun(): RunRecord {
  const b = new RunBuilder(4);
  b.operation(0, 2, 0, 0, 1, 'put a="1"');
  b.operation(1, 14, 0, 0, 2, 'put b="2"');
  b.event('r0', 30, 'crash', 'crashed');
  b.send('c0', 'r0', 'request', 34, { lost: 'crashed' });
  b.operations.push({ client: 0, callMs: 34, returnMs: 97, operation: 'put c="3"', result: 'ok ver=3' });
  for (const r of ['r1', 'r2', 'r3'] as const) b.send('c0', r, 'request', 54, { signer: 'c0' });
  for (const r of ['r1', 'r2', 'r3'] as const) {
    b.event(r, 70, 'start-view-change', 'view-change timer expired: start view change to v=1', 1);
    b.broadcast(r, 'view-change', 70.3, { view: 1, digest: `vc${r}`, ...{} }, ['r0']);
    b.send(r, 'r0', 'view-change', 70.3, { view: 1, lost: 'crashed' });
  }
  b.broadcast('r1', 'new-view', 76, { view: 1, digest: 'aa11bb' }, ['r0']);
  b.send('r1', 'r0', 'new-view', 76, { view: 1, lost: 'crashed' });
  b.event('r1', 76, 'enter-view', 'entered view 1 as primary', 1);
  b.event('r2', 78.2, 'enter-view', 'entered view 1', 1);
  b.event('r3', 78.9, 'enter-view', 'entered view 1', 1);
  // The request c0 sent at 34, ordered in view 1; its operation bar spans the view change.
  const after = b.operation(0, 84, 1, 1, 3, 'put c="3"', { down: ['r0'] });
  b.operations.pop();
  b.operation(1, after + 2, 1, 1, 4, 'get c', { down: ['r0'] });
  b.event('r0', 120, 'restart', 'restarted from its disk');
  b.event('r0', 123, 'state-transfer', 'fetching state up to n=4');
  return record('view change: the primary crashes, seed 2', 2, b, {
    lanes: lanes(4, 2),
    views: [VIEW_ZERO, { view: 1, primary: 1, entered: { 1: 76, 2: 78.2, 3: 78.9 } }],
    verdict: { ok: true, linearizability: 'linearizable', violations: [] },
    evidence: [],
    endMs: 130,
  });
}

/** An equivocating primary r0: two PRE-PREPAREs for n=2, evidence kept, a non-linearizable history. */
export function violationRun(): RunRecord {
  const b = new RunBuilder(4);
  const adversary = { replica: 0, adversary: 'equivocator', options: 'split=2' };
  b.operation(0, 2, 0, 0, 1, 'put x="1"');
  b.send('c1', 'r0', 'request', 16, { signer: 'c1' });
  b.event('r0', 18, 'adversary', 'equivocator: PRE-PREPARE n=2 with digest d1 to r1, d2 to r2 and r3');
  b.send('r0', 'r1', 'pre-prepare', 18.2, { view: 0, seq: 2, digest: 'd1d1d1', faulty: true });
  b.send('r0', 'r2', 'pre-prepare', 18.2, { view: 0, seq: 2, digest: 'd2d2d2', faulty: true });
  b.send('r0', 'r3', 'pre-prepare', 18.2, { view: 0, seq: 2, digest: 'd2d2d2', faulty: true });
  b.broadcast('r1', 'prepare', 20.5, { view: 0, seq: 2, digest: 'd1d1d1' });
  b.send('r2', 'r1', 'prepare', 20.6, { view: 0, seq: 2, digest: 'd2d2d2', dropped: 'digest-mismatch' });
  b.send('r2', 'r3', 'prepare', 20.6, { view: 0, seq: 2, digest: 'd2d2d2' });
  b.send('r2', 'r0', 'prepare', 20.6, { view: 0, seq: 2, digest: 'd2d2d2', lost: 'loss' });
  b.send('r3', 'r2', 'prepare', 20.7, { view: 0, seq: 2, digest: 'd2d2d2' });
  b.event('r1', 23, 'evidence', 'evidence against r0: two PRE-PREPAREs for v=0 n=2', 0, 2);
  b.event('r0', 24, 'adversary', 'equivocator: told c1 and c0 different results');
  b.send('r0', 'c1', 'reply', 25, { view: 0, faulty: true });
  b.send('r0', 'c0', 'reply', 25.5, { view: 0, faulty: true });
  b.operations.push({ client: 1, callMs: 16, returnMs: 27, operation: 'put x="2"', result: 'ok ver=2', offending: true });
  b.operations.push({ client: 0, callMs: 30, returnMs: 33, operation: 'get x', result: 'ok ver=1 value="1"', offending: true });
  b.send('c0', 'r0', 'request', 30, { signer: 'c0' });
  b.send('r0', 'c0', 'reply', 31.5, { view: 0, faulty: true });
  b.operation(1, 40, 0, 0, 3, 'get y');
  const frames: [string, string] = ['02'.padEnd(180, 'ab'), '02'.padEnd(180, 'cd')];
  return record('violation: an equivocating primary, seed 3', 3, b, {
    lanes: lanes(4, 2, adversary),
    views: [VIEW_ZERO],
    verdict: { ok: false, linearizability: 'not-linearizable', violations: [{ property: 'linearizability', detail: 'c0 read x="1" after c1 wrote x="2"', atMs: 33 }] },
    evidence: [
      { holder: 1, culprit: 0, kind: 'pre-prepare', view: 0, seq: 2, atMs: 23, frames },
      { holder: 2, culprit: 0, kind: 'pre-prepare', view: 0, seq: 2, frames },
    ],
    endMs: 60,
  });
}
