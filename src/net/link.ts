// One authenticated TCP connection: the handshake (handshake.ts), then capped frames both
// ways. The same class serves the dialing and the accepting side; a dialer also names
// whom it expects, and a peer claiming someone else is refused.
//
// Frames sent during one turn of the event loop leave together: send() only queues, and
// one write per link at the end of the turn (setImmediate, after the poll phase has
// handled every socket that was ready) hands them all to the kernel. A replica answering
// a burst of frames (a batch's COMMITs, a STATUS's retransmissions, requests relayed to the
// primary) so makes one syscall per peer, not one per frame, and wakes the peer once; the
// bench's profile showed socket writes at 14% of the primary's busy time with one write
// per frame.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import type { Role } from '../deploy/key-file.ts';
import { encodeFrames, FrameReader, FrameTooLargeError, LENGTH_PREFIX_BYTES } from './framing.ts';
import { decodeHello, decodeProof, encodeHello, encodeProof, HANDSHAKE_FRAME_MAX_BYTES, NONCE_BYTES, proofBytes, type Hello } from './handshake.ts';

export interface Member {
  readonly role: Role;
  readonly id: number;
}

export interface LinkOptions {
  readonly clusterId: string;
  readonly self: Member;
  readonly keyPair: KeyPair;
  readonly crypto: Crypto;
  /** Set by the dialer, and only by it: the member it dialed. Also marks this side as the dialer in the PROOF (handshake.ts). */
  readonly expected?: Member;
  /** The public key cluster.json gives a member, or undefined for no such member. */
  readonly publicKeyOf: (member: Member) => Uint8Array | undefined;
  /** Largest frame accepted from an authenticated peer of this role. */
  readonly frameMaxBytes: (role: Role) => number;
  /** Whether this side accepts the authenticated peer (e.g. the dial rule); a reason to refuse it. */
  readonly refuse?: (peer: Member) => string | undefined;
  readonly handshakeTimeoutMs?: number;
}

export interface LinkHandlers {
  onOpen(link: Link): void;
  onFrame(link: Link, frame: Uint8Array): void;
  /** Once per link; `authenticated` says whether onOpen ran. */
  onClose(link: Link, reason: string, authenticated: boolean): void;
}

type State = 'hello' | 'proof' | 'open' | 'closed';

export class Link {
  private state: State = 'hello';
  private readonly nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  private peerHello: Hello | undefined;
  private readonly reader = new FrameReader(HANDSHAKE_FRAME_MAX_BYTES);
  private readonly timer: NodeJS.Timeout;
  /** Frames sent this turn, written together by flush() (framed: prefix included in the count). */
  private outbox: Uint8Array[] = [];
  private outboxBytes = 0;
  private flushScheduled = false;

  constructor(
    readonly socket: Socket,
    private readonly options: LinkOptions,
    private readonly handlers: LinkHandlers,
  ) {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5000);
    this.timer = setTimeout(() => this.close('handshake timed out'), options.handshakeTimeoutMs ?? 5000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.close(`socket error: ${error.message}`));
    socket.on('close', () => this.close('connection closed by peer'));
    const start = () => this.write(encodeHello({ clusterId: options.clusterId, role: options.self.role, id: options.self.id, nonce: this.nonce }));
    if (socket.connecting) socket.once('connect', start);
    else start();
  }

  /** The authenticated peer; only valid once open. */
  get peer(): Member {
    const hello = this.peerHello!;
    return { role: hello.role, id: hello.id };
  }

  get open(): boolean {
    return this.state === 'open';
  }

  /** Bytes sent but not yet handed to the kernel: this turn's frames and the socket's buffer. */
  get bufferedBytes(): number {
    return this.outboxBytes + this.socket.writableLength;
  }

  send(payload: Uint8Array): void {
    if (this.state === 'open') this.write(payload);
  }

  close(reason: string): void {
    if (this.state === 'closed') return;
    const authenticated = this.state === 'open';
    this.state = 'closed';
    clearTimeout(this.timer);
    this.outbox = [];
    this.outboxBytes = 0;
    this.socket.destroy();
    this.handlers.onClose(this, reason, authenticated);
  }

  private write(payload: Uint8Array): void {
    this.outbox.push(payload);
    this.outboxBytes += LENGTH_PREFIX_BYTES + payload.length;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** This turn's frames in one write (one buffer, so one syscall whatever their number). */
  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0 || this.state === 'closed') return;
    const frames = this.outbox;
    this.outbox = [];
    this.outboxBytes = 0;
    this.socket.write(encodeFrames(frames));
  }

  private onData(chunk: Buffer): void {
    this.reader.append(chunk);
    // One frame at a time: the proof that opens the link raises the frame cap for the
    // frames behind it in the same read (the peer sends them in the same write).
    for (;;) {
      if (this.state === 'closed') return;
      let frame: Uint8Array | undefined;
      try {
        frame = this.reader.next();
      } catch (error) {
        if (error instanceof FrameTooLargeError) return this.close(`frame too large: ${error.message}`);
        throw error;
      }
      if (frame === undefined) return;
      if (this.state === 'open') this.handlers.onFrame(this, frame);
      else if (this.state === 'hello') this.onHello(frame);
      else this.onProof(frame);
    }
  }

  private onHello(frame: Uint8Array): void {
    const hello = decodeHello(frame);
    if (typeof hello === 'string') return this.close(hello);
    const { options } = this;
    if (hello.clusterId !== options.clusterId) return this.close(`clusterId mismatch: peer runs cluster ${hello.clusterId.slice(0, 16)}…, we run ${options.clusterId.slice(0, 16)}…`);
    const claim = `${hello.role} ${hello.id}`;
    if (options.publicKeyOf(hello) === undefined) return this.close(`unknown member: ${claim} is not in cluster.json`);
    if (options.expected !== undefined && (options.expected.role !== hello.role || options.expected.id !== hello.id)) {
      return this.close(`wrong member: dialed ${options.expected.role} ${options.expected.id}, peer claims ${claim}`);
    }
    this.peerHello = hello;
    this.state = 'proof';
    const dialed = options.expected !== undefined;
    const signed = proofBytes({ clusterId: options.clusterId, signer: options.self, signerDialed: dialed, verifier: hello }, hello.nonce, this.nonce);
    this.write(encodeProof(options.crypto.sign(options.keyPair, signed)));
  }

  private onProof(frame: Uint8Array): void {
    const signature = decodeProof(frame);
    if (typeof signature === 'string') return this.close(signature);
    const hello = this.peerHello!;
    // The peer dialed if and only if we accepted: a proof signed for the other direction was relayed.
    const peerDialed = this.options.expected === undefined;
    const signed = proofBytes({ clusterId: this.options.clusterId, signer: hello, signerDialed: peerDialed, verifier: this.options.self }, this.nonce, hello.nonce);
    if (!this.options.crypto.verify(this.options.publicKeyOf(hello)!, signed, signature)) {
      return this.close(`bad proof: ${hello.role} ${hello.id} does not hold the key cluster.json names for it`);
    }
    const refusal = this.options.refuse?.(hello);
    if (refusal !== undefined) return this.close(refusal);
    clearTimeout(this.timer);
    this.state = 'open';
    this.reader.maxBytes = this.options.frameMaxBytes(hello.role);
    this.handlers.onOpen(this);
  }
}
