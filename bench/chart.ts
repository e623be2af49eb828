import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../src/charts/render-svg.js';

/** LinUCB scores/s against the number of users in the batch, one line per backend, one panel per d. */
export async function renderChart(
  rows: readonly { backend: string; U: number; d: number; ucb_per_s: number }[],
): Promise<string> {
  const spec: TopLevelSpec = {
    title: 'LinUCB candidate scores/s vs users per kernel call (K = 20)',
    data: { values: rows.map((r) => ({ ...r })) },
    facet: { column: { field: 'd', type: 'ordinal', title: 'd' } },
    spec: {
      width: 260,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'U', type: 'quantitative', scale: { type: 'log' }, title: 'users per call (U)' },
        y: { field: 'ucb_per_s', type: 'quantitative', scale: { type: 'log' }, title: 'scores/s' },
        color: { field: 'backend', type: 'nominal' },
      },
    },
  };
  return renderSvg(spec);
}
