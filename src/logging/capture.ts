/** A log destination that keeps the lines, parsed, so a test can assert on what was logged. */
import { Writable } from 'node:stream';

export type LogEntry = Record<string, unknown> & { level: string; msg?: string; requestId?: string };

export interface LogCapture {
  destination: Writable;
  entries(): LogEntry[];
  /** Every line, as written, for assertions that nothing secret appears anywhere. */
  text(): string;
}

export function createLogCapture(): LogCapture {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  return {
    destination,
    entries: () => lines.map((line) => JSON.parse(line) as LogEntry),
    text: () => lines.join('\n'),
  };
}
