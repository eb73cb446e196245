/** The runner's log as the Log port sees it: every line kept in order, with the group it was written in. */
import type { Log } from '../../src/core/ports.ts';

export interface LogLine {
  level: 'info' | 'warning' | 'group';
  text: string;
  /** The group title it was written in, if any. */
  group: string | undefined;
}

export class FakeLog implements Log {
  readonly lines: LogLine[] = [];
  /** Values registered for masking, in order. */
  readonly masked: string[] = [];
  #group: string | undefined;

  info(message: string): void {
    this.lines.push({ level: 'info', text: message, group: this.#group });
  }

  warning(message: string): void {
    this.lines.push({ level: 'warning', text: message, group: this.#group });
  }

  mask(value: string): void {
    this.masked.push(value);
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    // Groups do not nest in the runner's log.
    if (this.#group !== undefined) throw new Error(`group '${title}' opened inside group '${this.#group}'`);
    this.lines.push({ level: 'group', text: title, group: undefined });
    this.#group = title;
    try {
      return await fn();
    } finally {
      this.#group = undefined;
    }
  }

  infos(): string[] {
    return this.lines.filter((l) => l.level === 'info').map((l) => l.text);
  }

  warnings(): string[] {
    return this.lines.filter((l) => l.level === 'warning').map((l) => l.text);
  }

  /** Every line as one text, for searching. */
  text(): string {
    return this.lines.map((l) => l.text).join('\n');
  }
}
