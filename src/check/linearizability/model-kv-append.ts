// Model `kv-append`: a map from keys to strings, every key starting as "". get
// returns the whole string, put replaces it, append concatenates at the end. Keys
// share nothing, so the history splits by key (P-compositionality) and each key is
// searched alone, which is what makes the 50-client histories tractable.
import { stringHash } from './bitset.ts';
import type { History } from './history.ts';
import type { Model, StepResult } from './model.ts';

export interface KvInput {
  readonly op: 'get' | 'put' | 'append';
  readonly key: string;
  /** The argument of put and append; ignored by get. */
  readonly value: string;
}

export interface KvOutput {
  /** What get returned; ignored for put and append. */
  readonly value: string;
}

export const kvAppendModel: Model<string, KvInput, KvOutput> = {
  name: 'kv-append',
  init: () => '',
  step(state, input, output): StepResult<string> {
    switch (input.op) {
      case 'get':
        return { ok: output === undefined || output.value === state, state };
      case 'put':
        return { ok: true, state: input.value };
      case 'append':
        return { ok: true, state: state + input.value };
    }
  },
  isReadOnly: (input) => input.op === 'get',
  partition(history) {
    const byKey = new Map<string, History<KvInput, KvOutput>[number][]>();
    for (const operation of history) {
      const part = byKey.get(operation.input.key);
      if (part === undefined) byKey.set(operation.input.key, [operation]);
      else part.push(operation);
    }
    return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
  },
  // The whole string: states reached by the same appends in different orders share
  // length and tail, so hashing less would pile them into one bucket.
  hash: (state) => stringHash(state),
  equal: (a, b) => a === b,
  describeOperation(input, output) {
    const shown = output === undefined ? '?' : JSON.stringify(output.value);
    if (input.op === 'get') return `get(${JSON.stringify(input.key)}) -> ${shown}`;
    return `${input.op}(${JSON.stringify(input.key)}, ${JSON.stringify(input.value)})${output === undefined ? ' -> ?' : ''}`;
  },
  describeState: (state) => JSON.stringify(state),
};
