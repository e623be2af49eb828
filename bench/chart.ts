import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

/** LinUCB scores/s against the number of users in the batch, one line per backend, one panel per d. */
export async function renderChart(
  rows: readonly { backend: string; U: number; d: number; ucb_per_s: number }[],
): Promise<string> {
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
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
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
