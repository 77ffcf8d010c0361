// The package entry: the Pancydb state machine, the PBFT replica and client state
// machines, the promise-based client, the crypto backends and the simulator.
export { createPancydb, encodePancydbState, type Pancydb, type PancydbSnapshot, type PancydbEntry } from './core/pancydb.ts';
export type { Operation, OperationResult, GetResult, WriteResult, Status } from './core/operations.ts';
export { Replica, type ReplicaInput, type ReplicaOutput, type ReplicaEvent } from './core/replica.ts';
export { Client, type ClientConfig, type ClientInput, type ClientOutput } from './core/client.ts';
export { DEFAULT_PARAMETERS, type ProtocolParameters, type ReplicaConfig } from './core/config.ts';
export { quorumsFor, primaryOf } from './core/quorum.ts';
export { PancydbClient, type ClientTransport, type ClientClock } from './client/pancydb-client.ts';
export { createCrypto, createNativeCrypto, createNobleCrypto, memoizeVerify, deriveSecretKey } from './crypto/index.ts';
export type { Crypto, KeyPair } from './crypto/crypto.ts';
export { runSeed, type RunOptions, type SeedRun, type SeedReport } from './sim/run.ts';
// What runSeed needs to be called from outside: the simulator's defaults and option types.
export type { SimulationOptions } from './sim/cluster.ts';
export { DEFAULT_NETWORK, type NetworkOptions } from './sim/network.ts';
export type { WorkloadOptions } from './sim/workloads.ts';
export { PROFILES, lockseqWorkloadOf, type ProfileName } from './sim/profiles.ts';
// Writing an adversary in TypeScript against the installed package (adversaries/README.md).
export { defineAdversary, mapSends, peersOf, sendToReplica } from './adversary/adversary.ts';
export type { AdversaryApi, AdversaryDefinition, AdversaryInstance, AdversaryOutput } from './adversary/adversary.ts';
