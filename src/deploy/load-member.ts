// What every process command does first: read cluster.json and this member's key, and
// check the key is the one cluster.json names. Key files default to the ones beside
// cluster.json, where `pancydb testnet` writes them.
import { dirname, join } from 'node:path';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import { loadClusterConfig, type ClusterConfig } from './cluster-config.ts';
import { clientIdOf, keyFileName, loadMemberKey, readKeyFile } from './key-file.ts';

export function loadReplica(clusterFile: string, id: number, keyFile: string | undefined, crypto: Crypto): { cluster: ClusterConfig; keyPair: KeyPair } {
  const cluster = loadClusterConfig(clusterFile);
  const path = keyFile ?? join(dirname(clusterFile), keyFileName('replica', id));
  return { cluster, keyPair: loadMemberKey(path, cluster, 'replica', id, crypto, clusterFile) };
}

/** The client's key and id: `clientId` if given (checked), else the client whose key this is. */
export function loadClient(clusterFile: string, keyFile: string | undefined, clientId: number | undefined, crypto: Crypto): { cluster: ClusterConfig; keyPair: KeyPair; id: number } {
  const cluster = loadClusterConfig(clusterFile);
  const path = keyFile ?? join(dirname(clusterFile), keyFileName('client', clientId ?? 0));
  if (clientId !== undefined) return { cluster, keyPair: loadMemberKey(path, cluster, 'client', clientId, crypto, clusterFile), id: clientId };
  const keyPair = readKeyFile(path, crypto);
  return { cluster, keyPair, id: clientIdOf(keyPair, cluster, path, clusterFile) };
}
