import { DomainError } from '../lib/errors.js';

/**
 * How many subscriptions this process holds open, per credential and in all: each holds a
 * connection, a feed listener and a re-read on every change to its tenant, so one key must not be
 * able to open thousands (SUBSCRIPTIONS_PER_KEY, SUBSCRIPTIONS_MAX). Counted per process: behind a
 * load balancer, per replica.
 */
export class SubscriptionSlots {
  readonly #open = new Map<string, number>();
  #total = 0;

  constructor(
    readonly perKey: number,
    readonly max: number,
  ) {}

  /** Takes a slot for `holder` (a principal's id), or refuses with RATE_LIMITED; the function returned gives it back (once). */
  take(holder: string): () => void {
    const held = this.#open.get(holder) ?? 0;
    if (held >= this.perKey) {
      throw new DomainError('RATE_LIMITED', `This key already holds ${held} open subscriptions (SUBSCRIPTIONS_PER_KEY is ${this.perKey}): close one first`, {
        limit: this.perKey,
      });
    }
    if (this.#total >= this.max) {
      throw new DomainError('RATE_LIMITED', `This gateway holds its most open subscriptions (${this.max}); try again later`, { limit: this.max });
    }
    this.#open.set(holder, held + 1);
    this.#total++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#total--;
      const left = (this.#open.get(holder) ?? 1) - 1;
      if (left > 0) this.#open.set(holder, left);
      else this.#open.delete(holder);
    };
  }

  get total(): number {
    return this.#total;
  }
}
