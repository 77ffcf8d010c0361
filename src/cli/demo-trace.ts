// The demo's reading of the simulator's `-V` trace (src/sim/cluster.ts): one parsed record
// per line the story narrates. Part of `pancydb demo` (demo.ts).
import type { Peer } from '../core/gateway.ts';

// The driver's `-V` lines have stable shapes: "T FROM->TO MESSAGE … [LOST (why)]",
// "T ID EXECUTE v= n= d= requests=", "T ID START-VIEW-CHANGE v= (why) P=[…]",
// "T ID ENTER-VIEW v= min-s= max-s= nulls=", "T ID STABLE-CHECKPOINT n= d=",
// "T ID STATE-TRANSFER n= from R", "T cN ACCEPT t= op -> result". Other lines are not narrated.

export interface MessageLine {
  /** When it was delivered, or, if lost, when it was sent. */
  readonly atMs: number;
  readonly sentAtMs: number;
  readonly from: Peer;
  readonly to: Peer;
  /** PRE-PREPARE, PREPARE, VIEW-CHANGE, … as describeMessage prints it. */
  readonly type: string;
  /** The rest of describeMessage's text: "v=0 n=3 d=ab12cd …". */
  readonly text: string;
  readonly lost: string | undefined;
}

export interface ReplicaLine {
  readonly atMs: number;
  readonly replica: number;
}

export interface ExecuteLine extends ReplicaLine { readonly view: number; readonly seq: number }
export interface ViewChangeLine extends ReplicaLine { readonly view: number; readonly reason: string }
export interface EnterViewLine extends ReplicaLine { readonly view: number; readonly minS: number; readonly maxS: number; readonly nulls: number }
export interface CheckpointLine extends ReplicaLine { readonly seq: number }
export interface StateTransferLine extends ReplicaLine { readonly seq: number; readonly source: number }
export interface AcceptLine { readonly atMs: number; readonly client: number; readonly timestamp: number; readonly text: string }

const TIME = String.raw`(\d+\.\d{3})`;
const MESSAGE_PATTERN = new RegExp(`^${TIME} (c?\\d+)->(c?\\d+) ([A-Z-]+)(.*)$`);
const EXECUTE_PATTERN = new RegExp(`^${TIME} (\\d+) EXECUTE v=(\\d+) n=(\\d+) `);
const VIEW_CHANGE_PATTERN = new RegExp(`^${TIME} (\\d+) START-VIEW-CHANGE v=(\\d+) \\(([\\w-]+)\\)`);
const ENTER_VIEW_PATTERN = new RegExp(`^${TIME} (\\d+) ENTER-VIEW v=(\\d+) min-s=(\\d+) max-s=(\\d+) nulls=(\\d+)$`);
const CHECKPOINT_PATTERN = new RegExp(`^${TIME} (\\d+) STABLE-CHECKPOINT n=(\\d+)`);
const STATE_TRANSFER_PATTERN = new RegExp(`^${TIME} (\\d+) STATE-TRANSFER n=(\\d+) from (\\d+)$`);
const ACCEPT_PATTERN = new RegExp(`^${TIME} c(\\d+) ACCEPT t=(\\d+) (.*)$`);
const LOST_SUFFIX = / LOST \(([a-z]+)\)$/;

function milliseconds(seconds: string): number {
  return Math.round(Number(seconds) * 1000);
}

function peerOf(name: string): Peer {
  return name.startsWith('c') ? { kind: 'client', id: Number(name.slice(1)) } : { kind: 'replica', id: Number(name) };
}

/** A numeric field "name=123" of a message's text. */
export function field(text: string, name: string): number | undefined {
  const match = new RegExp(`(?:^| )${name}=(\\d+)`).exec(text);
  return match === null ? undefined : Number(match[1]);
}

export class Trace {
  readonly messages: MessageLine[] = [];
  readonly executions: ExecuteLine[] = [];
  readonly viewChanges: ViewChangeLine[] = [];
  readonly enteredViews: EnterViewLine[] = [];
  readonly checkpoints: CheckpointLine[] = [];
  readonly stateTransfers: StateTransferLine[] = [];
  readonly accepts: AcceptLine[] = [];

  /** `transitMs`: how long every message takes (no jitter), so a send time is the delivery time minus it. */
  constructor(private readonly transitMs: number) {}

  add(line: string): void {
    let match: RegExpExecArray | null;
    if ((match = MESSAGE_PATTERN.exec(line)) !== null) return this.addMessage(match);
    if ((match = EXECUTE_PATTERN.exec(line)) !== null) {
      this.executions.push({ atMs: milliseconds(match[1]!), replica: Number(match[2]), view: Number(match[3]), seq: Number(match[4]) });
    } else if ((match = VIEW_CHANGE_PATTERN.exec(line)) !== null) {
      this.viewChanges.push({ atMs: milliseconds(match[1]!), replica: Number(match[2]), view: Number(match[3]), reason: match[4]! });
    } else if ((match = ENTER_VIEW_PATTERN.exec(line)) !== null) {
      const [replica, view, minS, maxS, nulls] = match.slice(2, 7).map(Number);
      this.enteredViews.push({ atMs: milliseconds(match[1]!), replica: replica!, view: view!, minS: minS!, maxS: maxS!, nulls: nulls! });
    } else if ((match = CHECKPOINT_PATTERN.exec(line)) !== null) {
      this.checkpoints.push({ atMs: milliseconds(match[1]!), replica: Number(match[2]), seq: Number(match[3]) });
    } else if ((match = STATE_TRANSFER_PATTERN.exec(line)) !== null) {
      this.stateTransfers.push({ atMs: milliseconds(match[1]!), replica: Number(match[2]), seq: Number(match[3]), source: Number(match[4]) });
    } else if ((match = ACCEPT_PATTERN.exec(line)) !== null) {
      this.accepts.push({ atMs: milliseconds(match[1]!), client: Number(match[2]), timestamp: Number(match[3]), text: match[4]! });
    }
  }

  private addMessage(match: RegExpExecArray): void {
    const atMs = milliseconds(match[1]!);
    const rest = match[5]!;
    const lost = LOST_SUFFIX.exec(rest);
    this.messages.push({
      atMs,
      sentAtMs: lost === null ? atMs - this.transitMs : atMs,
      from: peerOf(match[2]!),
      to: peerOf(match[3]!),
      type: match[4]!,
      text: (lost === null ? rest : rest.slice(0, lost.index)).trim(),
      lost: lost?.[1],
    });
  }
}
