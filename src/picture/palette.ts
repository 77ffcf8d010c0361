// The picture's colours, one palette for the static figure (svg.ts) and the interactive
// page (viewer/), so a PREPARE is the same cyan in both. Message types come in protocol
// order (a request, its three phases, the reply; then checkpoints, view changes, state
// transfer): the phases of one request get well-separated hues, view changes are warm,
// state transfer and status muted, since they are background traffic.
import type { LaneEvent, PictureMessageType } from './record.ts';

export const MESSAGE_TYPE_ORDER: readonly PictureMessageType[] = [
  'request',
  'read',
  'pre-prepare',
  'prepare',
  'commit',
  'reply',
  'reply-digest',
  'checkpoint',
  'view-change',
  'new-view',
  'state',
  'fetch-batch',
  'batch',
  'status',
  'commit-certificate',
  'recovery-query',
  'recovery-reply',
];

export const MESSAGE_COLOURS: Readonly<Record<PictureMessageType, string>> = {
  request: '#2563eb',
  read: '#60a5fa',
  'pre-prepare': '#9333ea',
  prepare: '#0891b2',
  commit: '#16a34a',
  reply: '#ea580c',
  'reply-digest': '#f59e0b',
  checkpoint: '#a16207',
  'view-change': '#db2777',
  'new-view': '#be123c',
  state: '#4f46e5',
  'fetch-batch': '#0d9488',
  batch: '#5eead4',
  status: '#94a3b8',
  'commit-certificate': '#65a30d',
  'recovery-query': '#78716c',
  'recovery-reply': '#a8a29e',
};

/** The label a legend gives a message type: the paper's name, as `-V` prints it. */
export function messageLabel(type: PictureMessageType): string {
  return type === 'read' ? 'READ-ONLY REQUEST' : type.toUpperCase();
}

/** Marks on a lane: view changes stand out, routine work (execute, checkpoint) stays quiet. */
export const EVENT_COLOURS: Readonly<Record<LaneEvent['kind'], string>> = {
  execute: '#64748b',
  checkpoint: '#a16207',
  'stable-checkpoint': '#a16207',
  'start-view-change': '#db2777',
  'enter-view': '#be123c',
  'state-transfer': '#4f46e5',
  'state-rollback': '#b91c1c',
  crash: '#111827',
  restart: '#15803d',
  'voting-resumed': '#15803d',
  evidence: '#b91c1c',
  adversary: '#dc2626',
  silent: '#6b7280',
  partition: '#6b7280',
};

/** Views alternate between two pale fills, so a band's edge is where a replica entered the next view. */
export const VIEW_BAND_FILLS: readonly [string, string] = ['#f1f5f9', '#fdf2f8'];

/** What went wrong: a lost message's ×, a faulty lane's label, an offending operation. */
export const ALERT_COLOUR = '#dc2626';
/** Text, axes and lanes. */
export const INK_COLOUR = '#1f2937';
export const MUTED_COLOUR = '#6b7280';
export const LANE_COLOUR = '#cbd5e1';
