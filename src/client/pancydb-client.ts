// Promises for library users: client.get(key), put, cas and remove, over the pure
// PBFT Client state machine. The transport and the clock are injected, so the same
// class runs over the simulator, a test pump or (later) TCP. PBFT clients keep one
// request outstanding (OSDI'99 §4.1), so calls queue and go out one at a time.
import { Client, type ClientOutput } from '../core/client.ts';
import { validateOperation, type GetResult, type Operation, type OperationResult, type WriteResult } from '../core/operations.ts';

export interface ClientTransport {
  /** Sends a frame to replica `to`. */
  send(to: number, frame: Uint8Array): void;
  /** Registers the one handler for frames arriving from replicas. */
  onReceive(handler: (from: number, frame: Uint8Array) => void): void;
}

export interface ClientClock {
  nowMs(): number;
  /** Calls `tick` every `intervalMs` until the returned function is called. */
  every(intervalMs: number, tick: () => void): () => void;
}

interface Call {
  readonly operation: Operation;
  readonly resolve: (result: OperationResult) => void;
  readonly reject: (error: Error) => void;
}

export class PancydbClient {
  private readonly waiting: Call[] = [];
  private current: Call | undefined;
  private readonly stopTicking: () => void;
  private closed = false;

  constructor(
    private readonly core: Client,
    private readonly transport: ClientTransport,
    private readonly clock: ClientClock,
    tickMs = 10,
  ) {
    transport.onReceive((from, frame) => {
      if (this.closed) return;
      this.handle(core.step({ kind: 'receive', from: { kind: 'replica', id: from }, frame, nowMs: clock.nowMs() }));
    });
    this.stopTicking = clock.every(tickMs, () => this.handle(core.step({ kind: 'tick', nowMs: clock.nowMs() })));
  }

  /** @example await client.get('a') // { status: 'ok', value: '', version: 0 } */
  get(key: string): Promise<GetResult> {
    return this.execute({ type: 'get', key }) as Promise<GetResult>;
  }

  put(key: string, value: string, versionMatch?: number): Promise<WriteResult> {
    return this.execute(versionMatch === undefined ? { type: 'put', key, value } : { type: 'put', key, value, versionMatch }) as Promise<WriteResult>;
  }

  cas(key: string, expected: string, desired: string, versionMatch?: number): Promise<WriteResult> {
    const operation: Operation = versionMatch === undefined ? { type: 'cas', key, expected, desired } : { type: 'cas', key, expected, desired, versionMatch };
    return this.execute(operation) as Promise<WriteResult>;
  }

  remove(key: string, versionMatch?: number): Promise<WriteResult> {
    return this.execute(versionMatch === undefined ? { type: 'remove', key } : { type: 'remove', key, versionMatch }) as Promise<WriteResult>;
  }

  /** Stops retransmitting; calls not yet answered are rejected. */
  close(): void {
    this.closed = true;
    this.stopTicking();
    for (const call of [this.current, ...this.waiting]) call?.reject(new Error('client closed'));
    this.current = undefined;
    this.waiting.length = 0;
  }

  /**
   * Any operation, as Pancydb.execute takes it: what get, put, cas and remove call.
   * @example await client.execute({ type: 'put', key: 'a', value: 'x', versionMatch: 0 })
   */
  execute(operation: Operation): Promise<OperationResult> {
    if (this.closed) return Promise.reject(new Error('client closed'));
    // The same check Pancydb.execute makes, before the request is signed and sent.
    try {
      validateOperation(operation);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ operation, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.current !== undefined) return;
    const call = this.waiting.shift();
    if (call === undefined) return;
    this.current = call;
    this.handle(this.core.step({ kind: 'submit', operation: call.operation, nowMs: this.clock.nowMs() }));
  }

  private handle(outputs: readonly ClientOutput[]): void {
    for (const output of outputs) {
      switch (output.kind) {
        case 'send':
          this.transport.send(output.to, output.signed.frame);
          break;
        case 'broadcast':
          for (let replica = 0; replica < this.core.config.n; replica++) this.transport.send(replica, output.signed.frame);
          break;
        case 'result': {
          const call = this.current!;
          this.current = undefined;
          call.resolve(output.result);
          this.next();
          break;
        }
        case 'drop':
          break; // Forged or late replies: the core already ignored them.
      }
    }
  }
}
