import { describe, expect, it } from 'vitest';
import { renderSvg } from '../../src/charts/render-svg.js';

describe('renderSvg', () => {
  it('draws a vega-lite spec headless: one bar per row, the title as text', async () => {
    const svg = await renderSvg({
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json', // replaced by the one schema
      title: 'three bars',
      data: {
        values: [
          { k: 'a', v: 1 },
          { k: 'b', v: 2 },
          { k: 'c', v: 3 },
        ],
      },
      mark: 'bar',
      encoding: { x: { field: 'k', type: 'nominal' }, y: { field: 'v', type: 'quantitative' } },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('three bars');
    expect(svg.match(/role-mark[^"]*mark-rect|aria-roledescription="bar"/g)?.length ?? 0).toBeGreaterThan(0);
  });
});
