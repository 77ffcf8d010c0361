// `pancydb demo`: one deterministic, narrated run for someone who has never read PBFT
// (Castro & Liskov, OSDI'99). Four replicas serve four lockseq clients in view 0; at 3 s
// the primary, replica 0, goes silent (it hears everything, but all it sends is lost);
// the backups' view-change timers expire, they exchange VIEW-CHANGE, replica 1 sends
// NEW-VIEW and serves view 1. The run is the ordinary simulator with its `trace` lines
// (src/sim/cluster.ts); this file parses those lines and tells the story one protocol
// step per line, collapsing a broadcast's n-1 copies into one line, and ends with the
// checkers' verdict. It observes the run only: nothing here steers the protocol.
import type { Property } from '../check/violation.ts';
import { DEFAULT_PARAMETERS } from '../core/config.ts';
import { primaryOf, quorumsFor, type Quorums } from '../core/quorum.ts';
import { DEFAULT_NETWORK, type NetworkOptions } from '../sim/network.ts';
import { lockseqWorkloadOf } from '../sim/profiles.ts';
import { runSeed, type RunOptions, type SeedReport } from '../sim/run.ts';
import { field, Trace, type EnterViewLine, type MessageLine, type ViewChangeLine } from './demo-trace.ts';
import { countRanges, describeFields, describePrepared, earliest, firstPerSender, groupBy, operationOf, peerText, plural, replicaNames, resultOf, seconds } from './demo-words.ts';
import type { Output } from './sim.ts';
import { parseDemoArgs } from './demo-args.ts';
import { DEMO_FIGURE_TITLE, wantsPicture, writePictureFiles } from './picture-output.ts';
import type { RunRecord } from '../picture/record.ts';
import { recordSeed } from '../picture/sim-recorder.ts';

export const DEMO_HELP = `Usage: pancydb demo [options]

A narrated PBFT run for newcomers. Four replicas (replica 0 .. replica 3) serve four
clients; replica 0 is the primary of view 0. At 3 s replica 0 goes silent: it still
hears everything, but every message it sends is lost. The backups notice, change to
view 1 and replica 1 takes over as primary. Each line is one protocol step, stamped
with the simulated time. The same seed always prints the same story.

  -S SEED     seed of the run (default 1)
  --html FILE also write the run's picture to FILE: one self-contained HTML page with
              every message, the views, each client operation and the verdict
  --svg FILE  also write a static SVG figure of the view change to FILE (what
              \`npm run figure\` writes to docs/figures/view-change.svg)
  -h, --help  this text

Exit status: 0 the view change happened and every check passed, 1 otherwise, 2 usage error.`;

// --- the scenario --------------------------------------------------------------------

const REPLICAS = 4;
const CLIENTS = 4;
const SILENT_REPLICA = primaryOf(0, REPLICAS);
const SILENT_FROM_MS = 3_000;
/** Clients start no new work after this; the last second lets every replica settle. */
const WORKLOAD_MS = 6_000;
const DURATION_MS = 7_000;
/**
 * K: the default (100) is more batches than this short run orders before the primary
 * fails, so VIEW-CHANGE would carry no stable checkpoint; at 25 the story shows h > 0.
 */
const CHECKPOINT_INTERVAL = 25;
/** No jitter or reordering: every message takes exactly TRANSIT_MS, so a send time is its delivery time minus TRANSIT_MS. */
const NETWORK: NetworkOptions = { ...DEFAULT_NETWORK, silences: [{ replica: SILENT_REPLICA, fromMs: SILENT_FROM_MS, untilMs: Infinity }] };
const TRANSIT_MS = NETWORK.sendMs + NETWORK.linkMs + NETWORK.receiveMs;
/** Client results shown once view 1 serves. */
const RESULTS_SHOWN = 3;
/** One view change with T = 1 s takes about 1.3 s (bench/recovery.ts); 5 s leaves room for a second. */
const LIVENESS_BOUND_MS = 5000;

/** What each checker guarantees, in words; `satisfies` keeps the list in step with Property. */
const CHECKS = {
  agreement: 'no two replicas committed different batches at the same sequence number',
  'state-agreement': 'replicas that executed the same sequence numbers hold the same state',
  'exactly-once': 'no replica executed a client request twice',
  validity: 'only requests signed by their client executed',
  'reply-integrity': 'every result a client accepted is the one the replicas computed',
  lockseq: "every replica's database, and every result clients saw, obeys the lockseq rules",
  'memory-bound': 'logs and message buffers stayed within their bounds at every step',
  linearizability: 'what the clients saw has one legal order consistent with real time',
  liveness: `every request completed within ${LIVENESS_BOUND_MS / 1000} s, the view change included`,
  'signed-twice': 'no replica signed two different digests for one view, sequence number and phase',
} as const satisfies Record<Property, string>;

// --- command line ------------------------------------------------------------------------

/**
 * Runs the narrated demo and prints it through `output`.
 * @example runDemo([], { out: console.log, err: console.error }) // 0, after printing the story
 */
export function runDemo(args: readonly string[], output: Output): number {
  const parsed = parseDemoArgs(args);
  if ('error' in parsed) {
    output.err(`pancydb demo: ${parsed.error}`);
    output.err("Try 'pancydb demo --help'.");
    return 2;
  }
  if (parsed.help) {
    output.out(DEMO_HELP);
    return 0;
  }
  const picture = { html: parsed.html, svg: parsed.svg };
  const { trace, report, record } = runScenario(parsed.seed, wantsPicture(picture));
  const story = new Story(trace, report);
  for (const line of story.render()) output.out(line);
  if (record !== undefined) writePictureFiles(record, picture, output, DEMO_FIGURE_TITLE);
  return story.problems().length === 0 ? 0 : 1;
}

/** The demo's run of `seed`, for the story and for its picture (`--html`, `--svg`, `npm run figure`). */
export function demoRunOptions(seed: number): RunOptions {
  return {
    seed,
    n: REPLICAS,
    durationMs: DURATION_MS,
    workloadDurationMs: WORKLOAD_MS,
    workload: lockseqWorkloadOf('ci', CLIENTS),
    network: NETWORK,
    parameters: { checkpointInterval: CHECKPOINT_INTERVAL, logWindow: 2 * CHECKPOINT_INTERVAL },
    liveness: { liveAfterMs: 0, completeWithinMs: LIVENESS_BOUND_MS },
  };
}

/** One run tells the story and, when asked, is recorded for its picture. */
function runScenario(seed: number, recorded: boolean): { trace: Trace; report: SeedReport; record?: RunRecord } {
  const trace = new Trace(TRANSIT_MS);
  const options: RunOptions = { ...demoRunOptions(seed), trace: (line) => trace.add(line) };
  if (!recorded) return { trace, report: runSeed(options).report };
  const { run, record } = recordSeed(options, { replay: `npx pancydb demo -S ${seed}`, title: `pancydb demo, seed ${seed}: the silent primary is replaced` });
  return { trace, report: run.report, record };
}

// --- the story -----------------------------------------------------------------------------------

/** One narrated step at a simulated time, with optional explanations printed beneath it. */
interface Step {
  readonly atMs: number;
  readonly text: string;
  readonly notes: readonly string[];
}

function step(atMs: number, text: string, ...notes: string[]): Step {
  return { atMs, text, notes };
}

const NOTE_INDENT = ' '.repeat(9);

class Story {
  private readonly quorums: Quorums = quorumsFor(REPLICAS);
  /** When the first backup asked for a new view: the line between "before" and "after". */
  private readonly viewChangeAtMs: number;
  private readonly finalView: number;

  constructor(
    private readonly trace: Trace,
    private readonly report: SeedReport,
  ) {
    this.viewChangeAtMs = trace.viewChanges[0]?.atMs ?? Infinity;
    this.finalView = report.finalView;
  }

  /** Why the demo failed, if it did: no view change, no progress after it, a violation, or diverged states. */
  problems(): string[] {
    const { report } = this;
    const problems: string[] = [];
    if (report.viewChanges < 1 || report.finalView < 1) problems.push('no view change happened');
    else if (!this.trace.executions.some((e) => e.view === report.finalView)) problems.push(`no batch executed in view ${report.finalView}`);
    for (const property of new Set(report.violations.map((violation) => violation.property))) problems.push(`${property} violated`);
    if (!this.sameState()) problems.push('replicas ended with different states');
    return problems;
  }

  private sameState(): boolean {
    const { stateDigests, lastExecuted } = this.report;
    return new Set(Object.values(stateDigests)).size === 1 && new Set(Object.values(lastExecuted)).size === 1;
  }

  render(): string[] {
    const sections: [string, Step[], string[]][] = [
      ['1. Normal operation in view 0', this.normalOperation(), this.normalOperationNotes()],
      ['2. The primary goes silent', this.silence(), this.silenceNotes()],
      ['3. View change', this.viewChange(), []],
      [`4. View ${this.finalView}`, this.newView(), this.newViewNotes()],
    ];
    const lines = this.introduction();
    for (const [heading, steps, notes] of sections) {
      lines.push('', heading);
      const ordered = [...steps].sort((a, b) => a.atMs - b.atMs);
      for (const { atMs, text, notes: beneath } of ordered) {
        lines.push(`${seconds(atMs).padStart(8)} ${text}`, ...beneath.map((note) => NOTE_INDENT + note));
      }
      lines.push(...notes.map((note) => NOTE_INDENT + note));
    }
    lines.push('', 'Summary', ...this.summary());
    return lines;
  }

  private introduction(): string[] {
    const { n, f } = this.quorums;
    return [
      `PBFT demo, seed ${this.report.seed}: the primary falls silent and the backups replace it`,
      '',
      `Four replicas, replica 0 .. replica ${n - 1}, each keep a copy of Pancydb, a versioned key-value`,
      `store. PBFT makes them execute the same requests in the same order while up to f = ${f} of`,
      `the n = 3f+1 = ${n} replicas is faulty. Work is organised in views; in view v the primary`,
      `is replica v mod ${n}: it orders requests, and the other replicas (backups) check it.`,
      `Four clients, c0 .. c${CLIENTS - 1}, run the lockseq workload (lock a group of keys, write them,`,
      `unlock). Times are simulated seconds; K=${CHECKPOINT_INTERVAL}: a checkpoint every ${CHECKPOINT_INTERVAL} batches.`,
    ];
  }

  // --- 1. normal operation ------------------------------------------------------------------

  private normalOperation(): Step[] {
    const before = (atMs: number) => atMs < SILENT_FROM_MS;
    return [...this.normalCaseSample(), ...this.stableCheckpoints(before), ...this.stateTransfers(before)];
  }

  /** The first request of the run, followed through every phase of §4.2. */
  private normalCaseSample(): Step[] {
    const primary = primaryOf(0, REPLICAS);
    const request = this.trace.messages.find((m) => m.type === 'REQUEST' && m.from.kind === 'client' && m.to.id === primary && m.lost === undefined);
    if (request === undefined) return [];
    const client = request.from.id;
    const timestamp = field(request.text, 't')!;
    const prePrepare = this.trace.messages.find((m) => m.type === 'PRE-PREPARE' && m.from.id === primary && m.sentAtMs >= request.atMs);
    if (prePrepare === undefined) return [];
    const seq = field(prePrepare.text, 'n')!;
    const batch = field(prePrepare.text, 'batch') ?? 1;
    const phase = (type: string) => firstPerSender(this.trace.messages, (m) => m.type === type && field(m.text, 'v') === 0 && field(m.text, 'n') === seq);
    const prepares = phase('PREPARE');
    const commits = phase('COMMIT');
    const executions = this.trace.executions.filter((e) => e.view === 0 && e.seq === seq);
    const replies = firstPerSender(this.trace.messages, (m) => m.type === 'REPLY' && m.to.kind === 'client' && m.to.id === client && field(m.text, 't') === timestamp);
    const accept = this.trace.accepts.find((a) => a.client === client && a.timestamp === timestamp);
    const { f, prepares: needPrepares, strong, weak } = this.quorums;
    const steps = [
      step(request.sentAtMs, `c${client} → replica ${primary}: REQUEST t=${timestamp} ${operationOf(request.text)} — a client sends its operation to the primary`),
      step(prePrepare.sentAtMs, `replica ${primary} → all: PRE-PREPARE view 0, n=${seq} (${plural(batch, 'request')}) — the primary assigns it sequence number ${seq}`),
    ];
    if (prepares.length > 0) steps.push(step(earliest(prepares), `${replicaNames(prepares.map((m) => m.from.id))} → all: PREPARE view 0, n=${seq} — each backup accepts that order and tells the others`));
    if (commits.length > 0) {
      steps.push(step(earliest(commits), `${replicaNames(commits.map((m) => m.from.id))} → all: COMMIT view 0, n=${seq} — each holds the PRE-PREPARE and 2f = ${needPrepares} matching PREPAREs: n=${seq} is prepared`));
    }
    if (executions.length > 0) {
      steps.push(step(executions[0]!.atMs, `${replicaNames(executions.map((e) => e.replica))} execute n=${seq} — each holds 2f+1 = ${strong} matching COMMITs: n=${seq} is committed, and batches run in sequence order`));
    }
    if (replies.length > 0) steps.push(step(earliest(replies), `${replicaNames(replies.map((m) => m.from.id))} → c${client}: REPLY t=${timestamp} ${resultOf(replies[0]!.text)}`));
    if (accept !== undefined) {
      steps.push(step(accept.atMs, `c${client} accepts the result of t=${timestamp} after f+1 = ${weak} matching REPLYs: at most f = ${f} can lie, so one is from a correct replica`));
    }
    const last = steps.at(-1)!;
    steps[steps.length - 1] = { ...last, notes: ['From here on every request takes these same steps; the demo shows them no more.'] };
    return steps;
  }

  /** One line per checkpoint that became stable in the window (§4.3). */
  private stableCheckpoints(within: (atMs: number) => boolean): Step[] {
    const firstSeq = this.trace.checkpoints[0]?.seq;
    const bySeq = groupBy(this.trace.checkpoints.filter((c) => within(c.atMs)), (c) => c.seq);
    return [...bySeq].map(([seq, lines]) => {
      const why = seq === firstSeq ? `: 2f+1 = ${this.quorums.strong} signed the same state digest, so each drops its log up to n=${seq}` : '';
      return step(lines[0]!.atMs, `checkpoint n=${seq} is stable at ${replicaNames(lines.map((c) => c.replica))}${why} (h=${seq})`);
    });
  }

  private stateTransfers(within: (atMs: number) => boolean): Step[] {
    return this.trace.stateTransfers
      .filter((s) => within(s.atMs))
      .map((s) => step(s.atMs, `replica ${s.replica} installs the state of checkpoint n=${s.seq} from replica ${s.source} (state transfer): it had fallen behind`));
  }

  private normalOperationNotes(): string[] {
    const accepted = this.trace.accepts.filter((a) => a.atMs < SILENT_FROM_MS).length;
    const executedEverywhere = Math.min(...this.replicaIds().map((id) => this.lastExecutedBy(id, SILENT_FROM_MS)));
    return [`By ${seconds(SILENT_FROM_MS)}: ${plural(accepted, 'client operation')} accepted; batches n=1..${executedEverywhere} executed at every replica.`];
  }

  // --- 2. silence ---------------------------------------------------------------------------------

  private silence(): Step[] {
    const steps = [step(SILENT_FROM_MS, `replica ${SILENT_REPLICA} goes silent: it still receives every message, but everything it sends from now on is lost`)];
    const inWindow = (m: MessageLine) => m.sentAtMs >= SILENT_FROM_MS && m.sentAtMs < this.viewChangeAtMs;
    const request = this.trace.messages.find((m) => inWindow(m) && m.type === 'REQUEST' && m.from.kind === 'client' && m.to.id === SILENT_REPLICA);
    if (request !== undefined) steps.push(step(request.sentAtMs, `c${request.from.id} → replica ${SILENT_REPLICA}: REQUEST t=${field(request.text, 't')} ${operationOf(request.text)}`));
    const lost = this.trace.messages.find((m) => inWindow(m) && m.from.kind === 'replica' && m.from.id === SILENT_REPLICA && m.lost !== undefined && m.type !== 'STATUS');
    if (lost !== undefined) {
      steps.push(step(lost.sentAtMs, `replica ${SILENT_REPLICA} → ${lost.to.kind === 'client' ? peerText(lost.to) : 'all'}: ${lost.type} ${describeFields(lost.text)} — lost: nobody hears the silent primary`));
    }
    steps.push(...this.clientRetransmission(inWindow));
    return steps;
  }

  /** §4.1, §4.4: a client that waits too long sends to all; backups relay and start their timers. */
  private clientRetransmission(inWindow: (m: MessageLine) => boolean): Step[] {
    const broadcast = this.trace.messages.find((m) => inWindow(m) && m.type === 'REQUEST' && m.from.kind === 'client' && m.to.id !== SILENT_REPLICA);
    if (broadcast === undefined) return [];
    const client = broadcast.from.id;
    const timestamp = field(broadcast.text, 't');
    const sameRequest = (m: MessageLine) => m.type === 'REQUEST' && field(m.text, 'c') === client && field(m.text, 't') === timestamp;
    const firstSent = this.trace.messages.find((m) => sameRequest(m) && m.from.kind === 'client')?.sentAtMs ?? broadcast.sentAtMs;
    const relays = firstPerSender(this.trace.messages, (m) => sameRequest(m) && m.from.kind === 'replica' && m.sentAtMs >= broadcast.atMs && m.sentAtMs < broadcast.atMs + TRANSIT_MS);
    const steps = [
      step(broadcast.sentAtMs, `c${client} has waited ${broadcast.sentAtMs - firstSent} ms without f+1 matching replies: it sends REQUEST t=${timestamp} to all replicas`),
    ];
    if (relays.length > 0) {
      steps.push(
        step(
          earliest(relays),
          `${replicaNames(relays.map((m) => m.from.id))} → replica ${SILENT_REPLICA}: relay c${client}'s REQUEST t=${timestamp}; a request now waits at each backup, so each starts its view-change timer (T = ${DEFAULT_PARAMETERS.viewChangeTimeoutMs / 1000} s)`,
        ),
      );
    }
    return steps;
  }

  private silenceNotes(): string[] {
    const window = (m: MessageLine) => m.sentAtMs >= SILENT_FROM_MS && m.sentAtMs < this.viewChangeAtMs;
    const lost = this.trace.messages.filter((m) => window(m) && m.lost !== undefined && m.from.kind === 'replica' && m.from.id === SILENT_REPLICA).length;
    const retransmissions = new Set(
      this.trace.messages.filter((m) => window(m) && m.type === 'REQUEST' && m.from.kind === 'client' && m.to.id !== SILENT_REPLICA).map((m) => `${m.from.id}:${m.sentAtMs}`),
    ).size;
    return [`While the timers run, replica ${SILENT_REPLICA} keeps working, but all ${lost} messages it sends are lost; clients retransmit to all replicas ${plural(retransmissions, 'time')}.`];
  }

  // --- 3. view change ---------------------------------------------------------------------------------

  private viewChange(): Step[] {
    const steps = this.trace.viewChanges.map((line, index) => this.viewChangeStep(line, index === 0));
    const views = [...new Set(this.trace.enteredViews.map((e) => e.view))];
    for (const view of views) steps.push(...this.newViewSteps(view));
    return steps;
  }

  /** ⟨VIEW-CHANGE, v+1, n, C, P, i⟩ (§4.4), as its sender's first copy shows it. */
  private viewChangeStep(line: ViewChangeLine, explain: boolean): Step {
    const copies = this.trace.messages.filter((m) => m.type === 'VIEW-CHANGE' && m.from.id === line.replica && field(m.text, 'v') === line.view && m.sentAtMs === line.atMs);
    const text = copies[0]?.text ?? '';
    const stableSeq = field(text, 'h') ?? 0;
    const ranges = /P=\[([^\]]*)\]/.exec(text)?.[1] ?? '';
    const why = {
      timeout: 'its view-change timer expired',
      joined: `it saw f+1 = ${this.quorums.weak} VIEW-CHANGEs for view ${line.view} and joins`,
      'bad-new-view': 'the NEW-VIEW it received did not match its V',
    }[line.reason] ?? line.reason;
    const lost = copies.length > 0 && copies.every((m) => m.lost !== undefined) ? ` — lost: replica ${line.replica} is silent` : '';
    const certificates = countRanges(ranges);
    const notes = explain
      ? [
          `h is the sender's last stable checkpoint (proved by 2f+1 = ${this.quorums.strong} signed CHECKPOINTs); P holds a prepared`,
          `certificate, the PRE-PREPARE plus 2f = ${this.quorums.prepares} matching PREPAREs, for each n above h that prepared at the sender.`,
        ]
      : [];
    // §4.5.2: f+1 VIEW-CHANGEs include a correct replica's, so joining cannot be forced by faulty ones.
    if (line.reason === 'joined') notes.push(`Among f+1 = ${this.quorums.weak} replicas at least one is correct, so faulty replicas alone cannot force a view change.`);
    return step(
      line.atMs,
      `replica ${line.replica} → all: VIEW-CHANGE for view ${line.view} (${why}); h=${stableSeq}, P: ${describePrepared(ranges)} (${plural(certificates, 'certificate')})${lost}`,
      ...notes,
    );
  }

  /** ⟨NEW-VIEW, v+1, V, O⟩ from the new primary, then the backups that accept it (§4.4). */
  private newViewSteps(view: number): Step[] {
    const primary = primaryOf(view, REPLICAS);
    const entered = this.trace.enteredViews.filter((e) => e.view === view);
    const own = entered.find((e) => e.replica === primary);
    const message = this.trace.messages.find((m) => m.type === 'NEW-VIEW' && m.from.id === primary && field(m.text, 'v') === view);
    if (own === undefined || message === undefined) return [];
    const senders = /V=\{([\d,]*)\}/.exec(message.text)?.[1]?.split(',').map(Number) ?? [];
    const entries = own.maxS - own.minS;
    const steps = [
      step(
        own.atMs,
        `replica ${primary} → all: NEW-VIEW for view ${view} (its primary: ${view} mod ${REPLICAS} = ${primary}); V = VIEW-CHANGEs of ${replicaNames(senders)}; ` +
          `O: min-s=${own.minS}, max-s=${own.maxS}, ${plural(entries, 'PRE-PREPARE')} (${entries - own.nulls} prepared batches, ${plural(own.nulls, 'null request')})`,
        `V needs 2f+1 = ${this.quorums.strong} VIEW-CHANGEs. min-s is the latest stable checkpoint in V, max-s the highest prepared n in V;`,
        `for each n in between O re-proposes the batch of the highest-view certificate in V, or a null request (no-op) if none prepared.`,
      ),
    ];
    const backups = entered.filter((e) => e.replica !== primary);
    if (backups.length > 0) {
      steps.push(
        step(
          backups[0]!.atMs,
          `${replicaNames(backups.map((e) => e.replica))} accept the NEW-VIEW: each recomputes O from V, finds the same, and enters view ${view}`,
          ...this.reproposalNote(own),
        ),
      );
    }
    return steps;
  }

  /** Whether O's batches had executed already everywhere: they commit again in the new view but never run twice. */
  private reproposalNote(entered: EnterViewLine): string[] {
    if (entered.maxS <= entered.minS) return [];
    const range = `n=${entered.minS + 1}..${entered.maxS}`;
    const executedEverywhere = Math.min(...this.replicaIds().map((id) => this.lastExecutedBy(id, entered.atMs)));
    if (executedEverywhere >= entered.maxS) {
      return [`Every replica had already executed ${range} in view ${entered.view - 1}: they prepare and commit again in view ${entered.view}, but nothing executes twice.`];
    }
    return [`${range} prepare and commit in view ${entered.view}; replicas that had not executed them yet execute them now, in order.`];
  }

  // --- 4. the new view ------------------------------------------------------------------------------------

  private newView(): Step[] {
    const view = this.finalView;
    const entered = this.trace.enteredViews.find((e) => e.view === view && e.replica === primaryOf(view, REPLICAS));
    if (entered === undefined) return [];
    const after = (atMs: number) => atMs > entered.atMs;
    const steps = [...this.stableCheckpoints(after), ...this.stateTransfers((atMs) => atMs >= SILENT_FROM_MS)];
    const primary = primaryOf(view, REPLICAS);
    const prePrepare = this.trace.messages.find((m) => m.type === 'PRE-PREPARE' && m.from.id === primary && field(m.text, 'v') === view && (field(m.text, 'n') ?? 0) > entered.maxS);
    if (prePrepare !== undefined) {
      steps.push(step(prePrepare.sentAtMs, `replica ${primary} → all: PRE-PREPARE view ${view}, n=${field(prePrepare.text, 'n')} (${plural(field(prePrepare.text, 'batch') ?? 1, 'request')}) — the new primary orders requests again`));
    }
    const first = this.trace.executions.find((e) => e.view === view);
    if (first !== undefined) {
      const group = this.trace.executions.filter((e) => e.view === view && e.seq === first.seq);
      steps.push(step(first.atMs, `${replicaNames(group.map((e) => e.replica))} execute n=${first.seq} in view ${view} — the first execution in view ${view}`));
    }
    for (const accept of this.trace.accepts.filter((a) => after(a.atMs)).slice(0, RESULTS_SHOWN)) {
      steps.push(step(accept.atMs, `c${accept.client} accepts t=${accept.timestamp}: ${accept.text}`));
    }
    return steps;
  }

  private newViewNotes(): string[] {
    const after = this.trace.accepts.filter((a) => a.atMs >= this.viewChangeAtMs).length;
    return [
      `Clients start no new work after ${seconds(WORKLOAD_MS)}; by the end (${seconds(DURATION_MS)}) ${plural(after, 'operation')} were accepted after the view change, ` +
        `and batches up to n=${this.report.executedSeq} executed.`,
    ];
  }

  // --- summary --------------------------------------------------------------------------------------------

  private summary(): string[] {
    const { report } = this;
    const before = this.trace.accepts.filter((a) => a.atMs < this.viewChangeAtMs).length;
    const after = this.trace.accepts.length - before;
    const lostBySilent = this.trace.messages.filter((m) => m.lost === 'silent').length;
    const lines = [
      `  views: began in view 0 (primary replica ${primaryOf(0, REPLICAS)}), ended in view ${report.finalView} (primary replica ${primaryOf(report.finalView, REPLICAS)}); ` +
        `${plural(report.viewChanges, 'view change')}`,
      `  client operations accepted: ${before} before the view change, ${after} after (${report.committed} in all), in ${plural(report.executedSeq, 'batch', 'batches')}`,
      `  messages: ${report.messages.sent} sent, ${report.messages.lost} lost (${lostBySilent} of them sent by silent replica ${SILENT_REPLICA})`,
      '  checks:',
      ...this.checkLines(),
      `  ${this.stateLine()}`,
    ];
    const problems = this.problems();
    if (problems.length === 0) {
      lines.push('', 'PASS: the silent primary was replaced by a view change, and every check passed');
    } else {
      lines.push('', `FAIL: ${problems.join('; ')}`, `replay: npx pancydb demo -S ${report.seed}`);
    }
    return lines;
  }

  private checkLines(): string[] {
    const width = Math.max(...Object.keys(CHECKS).map((name) => name.length));
    return (Object.keys(CHECKS) as Property[]).map((property) => {
      const broken = this.report.violations.filter((violation) => violation.property === property);
      if (broken.length === 0) return `    ${property.padEnd(width)}  passed: ${CHECKS[property]}`;
      return `    ${property.padEnd(width)}  FAILED (${broken.length}): ${broken[0]!.detail}`;
    });
  }

  /** Every replica executed the same prefix and holds the same state digest at the end. */
  private stateLine(): string {
    const { stateDigests, lastExecuted } = this.report;
    if (this.sameState()) {
      return `all replicas end with the same state digest ${stateDigests['0']!.slice(0, 16)}… after executing n=1..${lastExecuted['0']}`;
    }
    return `replicas end in different states: executed ${JSON.stringify(lastExecuted)}, digests ${JSON.stringify(stateDigests)}`;
  }

  // --- helpers -----------------------------------------------------------------------------------------------

  private replicaIds(): number[] {
    return Array.from({ length: REPLICAS }, (_, id) => id);
  }

  /** The highest n replica `id` executed before `beforeMs`. */
  private lastExecutedBy(id: number, beforeMs: number): number {
    let last = 0;
    for (const e of this.trace.executions) if (e.replica === id && e.atMs < beforeMs) last = Math.max(last, e.seq);
    return last;
  }
}
