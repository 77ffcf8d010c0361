// What the Pancydb version checker reports: each violation names the smallest set of
// operations it could find whose outcomes cannot all hold in one linearization.
import type { Operation, OperationResult } from '../../core/operations.ts';
import type { History, HistoryOperation } from './history.ts';

export type PancydbOperation = HistoryOperation<Operation, OperationResult>;
export type PancydbHistory = History<Operation, OperationResult>;

export type PancydbViolationKind =
  /** An output Pancydb never returns for that input, in any state. */
  | 'impossible-output'
  /** (i) Two successful writes returned the same version. */
  | 'duplicate-version'
  /** (ii) A write returned before another was called, yet got the higher version. */
  | 'version-order'
  /** A version read or replaced that no write to that key (with that value) produced. */
  | 'unwritten-version'
  /** (iv) previousVersion is not what the key held just before, in version order. */
  | 'previous-version'
  /** (iii) An operation saw a key state that did not exist during its call interval. */
  | 'stale-or-future-observation'
  /** No assignment of the remaining choices (removes, unknown outcomes) works. */
  | 'no-linearization';

export interface PancydbViolation {
  readonly kind: PancydbViolationKind;
  readonly detail: string;
  readonly operations: readonly PancydbOperation[];
}

export function violation(kind: PancydbViolationKind, detail: string, operations: readonly (PancydbOperation | undefined)[]): PancydbViolation {
  const unique: PancydbOperation[] = [];
  for (const operation of operations) if (operation !== undefined && !unique.includes(operation)) unique.push(operation);
  return { kind, detail, operations: unique };
}

/** "#12 c3 put k=a v3" style, for details. */
export function describePancydbOperation(operation: PancydbOperation): string {
  const { input, output } = operation;
  const shown = output === undefined ? '?' : JSON.stringify(output);
  const returned = operation.returnMs === undefined ? '?' : String(operation.returnMs);
  return `#${operation.id} c${operation.client} ${JSON.stringify(input)} -> ${shown} [${operation.callMs}, ${returned}]`;
}
