import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every line of the file decision log under `stateDir`, files in name (= time) order, parsed. */
export function decisionLogLines(stateDir: string): Record<string, unknown>[] {
  const dir = join(stateDir, 'decisions');
  return readdirSync(dir)
    .sort()
    .flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
}
