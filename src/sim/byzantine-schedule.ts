// When Byzantine clients act: each once per interval, from a moment its own Rng draws,
// until the workload ends; byzantine-clients.ts decides what each sends, and the driver
// (cluster.ts) puts every send on the network like any client's.
import type { ByzantineClients, ByzantineSend } from './byzantine-clients.ts';
import type { EventQueue } from './event-queue.ts';

/** Schedules every Byzantine client's first action; each action schedules the next. */
export function scheduleByzantineClients(byzantine: ByzantineClients, queue: EventQueue, send: (client: number, sent: ByzantineSend) => void): void {
  for (const client of byzantine.ids) scheduleAction(byzantine, queue, client, byzantine.firstAtMs(client), send);
}

function scheduleAction(byzantine: ByzantineClients, queue: EventQueue, client: number, atMs: number, send: (client: number, sent: ByzantineSend) => void): void {
  if (atMs >= byzantine.stopAtMs) return;
  queue.schedule(atMs, () => {
    for (const sent of byzantine.act(client, queue.nowMs)) send(client, sent);
    scheduleAction(byzantine, queue, client, queue.nowMs + byzantine.intervalMs, send);
  });
}
