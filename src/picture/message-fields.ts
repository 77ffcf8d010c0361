// What the picture shows of one protocol message, read from the decoded message its sender
// already holds (never by decoding or verifying a frame again): its type, view, sequence
// number, short digest, signer and the one-line text `-V` prints (sim/trace.ts).
import type { Message } from '../core/messages.ts';
import { describeMessage, shortDigest } from '../sim/trace.ts';
import { clippedText } from './message-log-format.ts';
import type { LaneId, PictureMessageType } from './record.ts';

export interface MessageFields {
  readonly type: PictureMessageType;
  readonly view?: number;
  readonly seq?: number;
  readonly digest?: string;
  readonly signer: LaneId;
  readonly text: string;
}

/**
 * @example messageFields(prepare, 'r2') // { type: 'prepare', view: 0, seq: 3, digest: 'ab12cd', signer: 'r2', text: 'PREPARE v=0 n=3 d=ab12cd' }
 */
export function messageFields(message: Message, from: LaneId): MessageFields {
  // A REQUEST is its client's statement whoever relays it (a backup forwards it to the primary).
  const signer: LaneId = message.type === 'request' || message.type === 'read' ? `c${message.client}` : from;
  const slot = slotOf(message);
  return {
    type: message.type,
    ...(slot.view === undefined ? {} : { view: slot.view }),
    ...(slot.seq === undefined ? {} : { seq: slot.seq }),
    ...(slot.digest === undefined ? {} : { digest: shortDigest(slot.digest) }),
    signer,
    text: clippedText(describeMessage(message)),
  };
}

/** The (view, seq, digest) a message is about, as far as it names them. */
function slotOf(message: Message): { view?: number; seq?: number; digest?: Uint8Array } {
  switch (message.type) {
    case 'view-change':
    case 'new-view':
      return { view: message.newView };
    case 'commit-certificate': {
      const { view, seq, digest } = message.prePrepare.message;
      return { view, seq, digest };
    }
    default:
      return {
        ...('view' in message ? { view: message.view } : {}),
        ...('seq' in message ? { seq: message.seq } : {}),
        ...('digest' in message ? { digest: message.digest } : {}),
      };
  }
}
