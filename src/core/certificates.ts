// Validation of the certificates that messages carry inside them (OSDI'99 §4.3–4.4):
// checkpoint proofs, prepared certificates, VIEW-CHANGE contents and commit
// certificates. Each check returns a reason when the certificate is no proof, so the
// gateway can drop the message naming what was wrong; none of them throws.
import { bytesEqual } from './bytes.ts';
import { batchBytes } from './encoding.ts';
import { hasFlaw } from './flaws.ts';
import type { Checkpoint, CommitCertificate, PreparedCertificate, PrePrepare, PrePrepareHeader, Signed, ViewChange } from './messages.ts';
import { primaryOf, type Quorums } from './quorum.ts';
import type { ReplicaConfig } from './config.ts';

export interface CertificateContext {
  readonly config: ReplicaConfig;
  readonly quorums: Quorums;
}

function signedByReplica(context: CertificateContext, signed: Signed<{ readonly type: string; readonly replica: number }>): boolean {
  const key = context.config.replicaKeys[signed.message.replica];
  return key !== undefined && context.config.crypto.verify(key, signed.signedBytes, signed.signature);
}

/** Distinct signers, all valid, all agreeing with `matches`; returns a problem or undefined. */
function checkVotes<M extends { readonly type: string; readonly replica: number }>(
  context: CertificateContext,
  votes: readonly Signed<M>[],
  needed: number,
  matches: (message: M) => boolean,
  what: string,
): string | undefined {
  const seen = new Set<number>();
  for (const vote of votes) {
    const { replica } = vote.message;
    if (seen.has(replica)) return `${what}: replica ${replica} counted twice`;
    seen.add(replica);
    if (!matches(vote.message)) return `${what}: replica ${replica} votes for something else`;
    if (!signedByReplica(context, vote)) return `${what}: bad signature of replica ${replica}`;
  }
  return seen.size < needed ? `${what}: ${seen.size} votes, need ${needed}` : undefined;
}

/** C of §4.4: 2f+1 CHECKPOINTs for `seq` with one digest; returns the digest or a problem. */
export function checkCheckpointProof(context: CertificateContext, seq: number, proof: readonly Signed<Checkpoint>[]): { digest: Uint8Array } | { problem: string } {
  const first = proof[0];
  if (first === undefined) return { problem: `no checkpoint proof for n=${seq}` };
  const digest = first.message.digest;
  const problem = checkVotes(context, proof, context.quorums.strong, (vote) => vote.seq === seq && bytesEqual(vote.digest, digest), `checkpoint proof n=${seq}`);
  return problem === undefined ? { digest } : { problem };
}

/** A PRE-PREPARE header is genuine if primary(v) signed it. */
export function checkHeader(context: CertificateContext, header: Signed<PrePrepareHeader>): string | undefined {
  const { view, seq, replica } = header.message;
  if (replica !== primaryOf(view, context.config.n)) return `pre-prepare v=${view} n=${seq} not from primary(v)`;
  return signedByReplica(context, header) ? undefined : `pre-prepare v=${view} n=${seq}: bad signature`;
}

/** §4.4: a PRE-PREPARE from primary(v') and 2f matching PREPAREs from other replicas. */
export function checkPreparedCertificate(context: CertificateContext, certificate: PreparedCertificate): string | undefined {
  const header = certificate.prePrepare.message;
  const primary = primaryOf(header.view, context.config.n);
  const headerProblem = checkHeader(context, certificate.prePrepare);
  if (headerProblem !== undefined) return headerProblem;
  return checkVotes(
    context,
    certificate.prepares,
    context.quorums.prepares,
    (prepare) => prepare.view === header.view && prepare.seq === header.seq && prepare.replica !== primary && bytesEqual(prepare.digest, header.digest),
    `prepared certificate v=${header.view} n=${header.seq}`,
  );
}

/** Every part of a VIEW-CHANGE (§4.4), before it may count towards 2f+1. */
export function checkViewChange(context: CertificateContext, viewChange: ViewChange): string | undefined {
  const { newView, stableSeq, checkpointProof, prepared } = viewChange;
  if (newView < 1) return 'view-change to view 0';
  if (stableSeq === 0) {
    if (checkpointProof.length > 0) return 'checkpoint proof for n=0';
  } else if (!hasFlaw(context.config, 'checkpoint-proof-not-checked')) {
    const proof = checkCheckpointProof(context, stableSeq, checkpointProof);
    if ('problem' in proof) return proof.problem;
  }
  const seqs = new Set<number>();
  for (const certificate of prepared) {
    const { view, seq } = certificate.prePrepare.message;
    if (view >= newView) return `prepared certificate from view ${view}, not below ${newView}`;
    if (seq <= stableSeq || seq > stableSeq + context.config.logWindow) return `prepared certificate n=${seq} outside (${stableSeq}, ${stableSeq + context.config.logWindow}]`;
    if (seqs.has(seq)) return `two prepared certificates for n=${seq}`;
    seqs.add(seq);
    if (hasFlaw(context.config, 'p-not-checked')) continue;
    const problem = checkPreparedCertificate(context, certificate);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * A full PRE-PREPARE whose batch hashes to d and holds only client-signed requests. Only
 * batches whose d is certified come here (a BATCH for an O entry, a commit certificate): in
 * 'mac' mode the replicas that prepared d already authenticated its requests (auth.ts),
 * and a request whose MACs a faulty client broke may carry a bad signature too, so only
 * the digest is checked; 'signed' mode checks every signature as well.
 */
export function checkBatch(context: CertificateContext, prePrepare: PrePrepare): string | undefined {
  if (!bytesEqual(context.config.crypto.sha256(batchBytes(prePrepare)), prePrepare.digest)) return 'batch does not hash to the digest';
  if (context.config.auth === 'mac') return undefined;
  for (const request of prePrepare.batch) {
    const key = context.config.clientKey(request.message.client);
    if (key === undefined || !context.config.crypto.verify(key, request.signedBytes, request.signature)) {
      return `request of client ${request.message.client} t=${request.message.timestamp} is not validly signed`;
    }
  }
  return undefined;
}

/** §4.2 committed-local as a proof: the batch, its PRE-PREPARE, 2f+1 matching COMMITs. */
export function checkCommitCertificate(context: CertificateContext, certificate: CommitCertificate): string | undefined {
  const prePrepare = certificate.prePrepare;
  const header = prePrepare.message;
  const problem = checkHeader(context, prePrepare) ?? checkBatch(context, header);
  if (problem !== undefined) return problem;
  return checkVotes(
    context,
    certificate.commits,
    context.quorums.strong,
    (commit) => commit.view === header.view && commit.seq === header.seq && bytesEqual(commit.digest, header.digest),
    `commit certificate v=${header.view} n=${header.seq}`,
  );
}
