/** A clock the test moves: every fake reads it, so "now" is the same for Entra, GitHub and the core. */
export class FakeClock {
  #ms: number;

  constructor(start: Date | string = '2026-12-01T08:00:00.000Z') {
    this.#ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  advance(ms: number): void {
    this.#ms += ms;
  }

  /** Moves to `to` if that is later (a wait that ends at a moment). */
  advanceTo(to: Date): void {
    this.#ms = Math.max(this.#ms, to.getTime());
  }
}
