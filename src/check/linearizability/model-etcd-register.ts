// Model `etcd-register`: one register holding an integer or nothing (nil), as in the
// Jepsen etcd tests that Porcupine's corpus comes from. read returns the value;
// write(v) sets it; cas(a, b) sets b iff the value is a, and reports whether it did.
import { combineHashes } from './bitset.ts';
import type { Model, StepResult } from './model.ts';

export type RegisterValue = number | null;

export type RegisterInput =
  | { readonly kind: 'read' }
  | { readonly kind: 'write'; readonly value: number }
  | { readonly kind: 'cas'; readonly expected: number; readonly desired: number };

export type RegisterOutput =
  | { readonly kind: 'read'; readonly value: RegisterValue }
  | { readonly kind: 'write' }
  | { readonly kind: 'cas'; readonly succeeded: boolean };

const NIL_HASH = 0x5bd1e995;

export const etcdRegisterModel: Model<RegisterValue, RegisterInput, RegisterOutput> = {
  name: 'etcd-register',
  init: () => null,
  step(state, input, output): StepResult<RegisterValue> {
    switch (input.kind) {
      case 'read':
        return { ok: output === undefined || (output.kind === 'read' && output.value === state), state };
      case 'write':
        return { ok: output === undefined || output.kind === 'write', state: input.value };
      case 'cas': {
        const succeeds = state === input.expected;
        const next = succeeds ? input.desired : state;
        return { ok: output === undefined || (output.kind === 'cas' && output.succeeded === succeeds), state: next };
      }
    }
  },
  isReadOnly: (input) => input.kind === 'read',
  hash: (state) => (state === null ? NIL_HASH : combineHashes(state | 0, 0)),
  equal: (a, b) => a === b,
  describeOperation(input, output) {
    const shown = output === undefined ? '?' : describeOutput(output);
    switch (input.kind) {
      case 'read':
        return `read() -> ${shown}`;
      case 'write':
        return `write(${input.value}) -> ${shown}`;
      case 'cas':
        return `cas(${input.expected}, ${input.desired}) -> ${shown}`;
    }
  },
  describeState: (state) => (state === null ? 'nil' : String(state)),
};

function describeOutput(output: RegisterOutput): string {
  switch (output.kind) {
    case 'read':
      return output.value === null ? 'nil' : String(output.value);
    case 'write':
      return 'ok';
    case 'cas':
      return output.succeeded ? 'ok' : 'fail';
  }
}
