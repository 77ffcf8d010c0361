// What every link of one process shares: the cluster, who we are, and how big a frame
// each role may send (core/limits.ts: replicas may send STATE, clients only REQUESTs).
import { REPLY_FRAME_MAX_BYTES } from '../core/client.ts';
import { frameMaxBytes } from '../core/limits.ts';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import type { ClusterConfig } from '../deploy/cluster-config.ts';
import type { LinkOptions, Member } from './link.ts';

export function publicKeyOf(config: ClusterConfig, member: Member): Uint8Array | undefined {
  const list = member.role === 'replica' ? config.replicas : config.clients;
  return list[member.id]?.publicKey;
}

export function linkOptions(config: ClusterConfig, self: Member, keyPair: KeyPair, crypto: Crypto): LinkOptions {
  return {
    clusterId: config.clusterId,
    self,
    keyPair,
    crypto,
    publicKeyOf: (member) => publicKeyOf(config, member),
    // A client only ever receives REPLYs; a replica receives replica- or client-sized frames.
    frameMaxBytes: (role) => (self.role === 'client' ? REPLY_FRAME_MAX_BYTES : frameMaxBytes(role, config.parameters)),
  };
}

export function memberName(member: Member): string {
  return `${member.role} ${member.id}`;
}
