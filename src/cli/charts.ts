import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../charts/render-svg.js';
import type { PolicyEstimate } from '../evaluation/mod.js';
import type { RegretPoint } from '../simulation/mod.js';

const render = (spec: Record<string, unknown>) => renderSvg(spec as unknown as TopLevelSpec);

export interface EstimatePoint {
  readonly policy: string;
  readonly estimator: 'IPS' | 'SNIPS' | 'DR';
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
}

export function estimatePoints(rows: readonly PolicyEstimate[]): EstimatePoint[] {
  const out: EstimatePoint[] = [];
  for (const r of rows) {
    const add = (estimator: EstimatePoint['estimator'], v: number | null, ci: [number, number] | null) => {
      if (v !== null && ci !== null)
        out.push({ policy: r.policy, estimator, value: v, lo: ci[0], hi: ci[1] });
    };
    add('IPS', r.ips, r.ips_ci95);
    add('SNIPS', r.snips, r.snips_ci95);
    add('DR', r.dr, r.ci95);
  }
  return out;
}

/** Each policy's IPS, SNIPS and DR with its 95% interval; with `truth`, the true value as a tick. */
export function evaluationChart(
  rows: readonly PolicyEstimate[],
  truth: Readonly<Record<string, number>> = {},
): Promise<string> {
  const points = estimatePoints(rows);
  const truths = Object.entries(truth).map(([policy, value]) => ({ policy, value }));
  const x = { field: 'policy', type: 'nominal', title: null, axis: { labelAngle: 0 } };
  const layers: Record<string, unknown>[] = [
    {
      data: { values: points },
      mark: { type: 'rule', strokeWidth: 2 },
      encoding: {
        x,
        xOffset: { field: 'estimator' },
        y: {
          field: 'lo',
          type: 'quantitative',
          title: 'estimated value (mean reward), 95% interval',
          scale: { zero: false },
        },
        y2: { field: 'hi' },
        color: { field: 'estimator', type: 'nominal' },
      },
    },
    {
      data: { values: points },
      mark: { type: 'point', filled: true, size: 50 },
      encoding: {
        x,
        xOffset: { field: 'estimator' },
        y: { field: 'value', type: 'quantitative' },
        color: { field: 'estimator', type: 'nominal' },
      },
    },
  ];
  if (truths.length > 0) {
    layers.push({
      data: { values: truths },
      mark: { type: 'tick', color: 'black', thickness: 2, size: 60 },
      encoding: { x, y: { field: 'value', type: 'quantitative' } },
    });
  }
  return render({
    title: truths.length > 0 ? 'Off-policy estimates (black tick: true value)' : 'Off-policy estimates',
    width: 420,
    height: 260,
    layer: layers,
  });
}

export function regretChart(series: readonly RegretPoint[]): Promise<string> {
  return render({
    title: 'Cumulative pseudo-regret per policy',
    width: 480,
    height: 280,
    data: { values: series },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'round', type: 'quantitative', title: 'round' },
      y: { field: 'regret', type: 'quantitative', title: 'cumulative regret' },
      color: { field: 'policy', type: 'nominal' },
    },
  });
}
