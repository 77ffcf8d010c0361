// Pancydb operations and results: the state machine's inputs and outputs.
// These travel inside signed REQUEST and REPLY messages, so they are plain data.

/** `versionMatch` omitted or -1 means "any version". */
export type Operation =
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly versionMatch?: number }
  | {
      readonly type: 'cas';
      readonly key: string;
      readonly expected: string;
      readonly desired: string;
      readonly versionMatch?: number;
    }
  | { readonly type: 'remove'; readonly key: string; readonly versionMatch?: number };

export type OperationType = Operation['type'];

export type Status = 'ok' | 'not_found' | 'no_match';

/** Result of `get`. An absent key reads as value "" at version 0. */
export interface GetResult {
  readonly status: Status;
  readonly version: number;
  readonly value?: string;
}

/** Result of `put`, `cas` and `remove`. */
export interface WriteResult {
  readonly status: Status;
  readonly actual: string;
  readonly previousVersion: number;
  readonly version: number;
}

export type OperationResult = GetResult | WriteResult;

export function isWriteResult(result: OperationResult): result is WriteResult {
  return 'actual' in result;
}
