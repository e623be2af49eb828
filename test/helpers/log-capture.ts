import type { DestinationStream } from 'pino';

/** A pino destination that keeps every JSON line, for tests that read the logs back. */
export function logCapture(): DestinationStream & { lines(): Record<string, unknown>[] } {
  const raw: string[] = [];
  return {
    write(s: string) {
      raw.push(s);
    },
    lines: () =>
      raw.flatMap((s) =>
        s
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l)),
      ),
  };
}
