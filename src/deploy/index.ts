// The package's `pancydb-bft/deploy` entry: talking to a real cluster over TCP. Kept apart
// from the main entry because its types name node:net, so a TypeScript user of the store
// and the simulator alone needs no @types/node.
export { connect, ConnectedClient, loadClusterConfig, readKeyFile, type ConnectOptions, type ClusterConfig } from './connect.ts';
