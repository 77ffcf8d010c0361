// Linearizability checking: what the simulator and tests import.
//
// - checkLinearizability (wgl.ts): the general Wing & Gong / Lowe search over any
//   Model; exponential in the worst case, so for small histories or models that
//   split by key. Models: etcdRegisterModel, kvAppendModel, pancydbModel.
// - checkPancydbVersions (pancydb-versions.ts): Pancydb histories of any length, using
//   the database-wide version counter as a witness of the write order.
// Both read the same HistoryOperation format and agree on Pancydb histories.
export { assertWellFormedHistory, precedes, type History, type HistoryOperation } from './history.ts';
export type { Model, StepResult } from './model.ts';
export { checkLinearizability, type LinearizabilityOptions, type LinearizabilityResult } from './wgl.ts';
export { etcdRegisterModel, type RegisterInput, type RegisterOutput } from './model-etcd-register.ts';
export { kvAppendModel, type KvInput, type KvOutput } from './model-kv-append.ts';
export { pancydbModel } from './model-pancydb.ts';
export { parseEtcdLog } from './porcupine-etcd.ts';
export { parseKvLog } from './porcupine-kv.ts';
export { checkPancydbVersions, type PancydbVersionCheckOptions, type PancydbVersionCheckResult } from './pancydb-versions.ts';
export { describePancydbOperation, type PancydbHistory, type PancydbOperation, type PancydbViolation, type PancydbViolationKind } from './pancydb-violation.ts';
