import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ORACLE_DIR = fileURLToPath(new URL('../oracle/', import.meta.url));

/**
 * Runs one of the independent numpy implementations in test/oracle/ with a JSON input on stdin and
 * returns its JSON output. Numbers travel as JSON, which round-trips float64 exactly.
 */
export function numpy<T>(script: string, input: unknown): T {
  const out = execFileSync('python3', [`${ORACLE_DIR}${script}`], {
    input: JSON.stringify(input),
    maxBuffer: 512 * 1024 * 1024,
    encoding: 'utf8',
  });
  return JSON.parse(out) as T;
}
