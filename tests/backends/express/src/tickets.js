// Exported URLs: random single-export tickets kept in memory, valid for TICKET_TTL_MS and usable
// any number of times until then (a browser may retry a download).
import { randomBytes } from 'node:crypto';

export const TICKET_TTL_MS = 10 * 60 * 1000;

export class Tickets {
  constructor(ttl = TICKET_TTL_MS) {
    this.ttl = ttl;
    this.tickets = new Map();
  }

  issue(exportId) {
    const now = Date.now();
    for (const [ticket, { expires }] of this.tickets) {
      if (expires <= now) this.tickets.delete(ticket);
    }
    const ticket = randomBytes(18).toString('base64url');
    this.tickets.set(ticket, { exportId, expires: now + this.ttl });
    return ticket;
  }

  /** The export id of a live ticket, or undefined. */
  redeem(ticket) {
    const found = this.tickets.get(ticket);
    return found && found.expires > Date.now() ? found.exportId : undefined;
  }
}
