import type { LogEvaluation } from '../evaluation/mod.js';

/** A plain-text table with right-aligned numbers, for stdout. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  const cells = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

function cell(v: string | number | null): string {
  if (v === null) return '—';
  if (typeof v === 'string') return v;
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}

export const interval = (ci: [number, number] | null): string =>
  ci === null ? '—' : `[${ci[0].toFixed(4)}, ${ci[1].toFixed(4)}]`;

export function printEvaluation(r: LogEvaluation): string {
  const head = `decisions ${r.from} .. ${r.to}: ${r.decisions} evaluated, ${r.awaiting_reward} awaiting a reward, ${r.lines} lines in ${r.files} files, ${r.skipped_lines} skipped`;
  const body = table(
    ['policy', 'role', 'n', 'IPS', 'SNIPS', 'DR', 'DR 95% interval', 'ESS'],
    r.rows.map((x) => [x.policy, x.role, x.n, x.ips, x.snips, x.dr, interval(x.ci95), x.ess]),
  );
  return `${head}\n\n${body}\n`;
}
