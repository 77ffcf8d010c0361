// Replies as the -V trace shows them, for adversary tests that must prove a faulty
// replica's wrong results really reached clients and that none was accepted.
export class ReplyTrace {
  readonly accepted = new Map<string, string>();
  readonly fromFaulty: { key: string; result: string }[] = [];
  private readonly reply: RegExp;

  constructor(faulty: number) {
    this.reply = new RegExp(`^\\S+ ${faulty}->c(\\d+) REPLY v=\\d+ c=\\d+ t=(\\d+) (.*)$`);
  }

  readonly line = (line: string): void => {
    const reply = this.reply.exec(line);
    // A reply the network lost never reached the client; the trace marks it at the end.
    if (reply !== null && !/ LOST \([a-z]+\)$/.test(line)) this.fromFaulty.push({ key: `${reply[1]}:${reply[2]}`, result: reply[3]! });
    const accept = /^\S+ c(\d+) ACCEPT t=(\d+) .* -> (.*)$/.exec(line);
    if (accept !== null) this.accepted.set(`${accept[1]}:${accept[2]}`, accept[3]!);
  };

  /** Replies of the faulty replica, for requests that completed, that carried another result than the one accepted. */
  wrongReplies(): number {
    return this.fromFaulty.filter(({ key, result }) => this.accepted.has(key) && this.accepted.get(key) !== result).length;
  }
}
