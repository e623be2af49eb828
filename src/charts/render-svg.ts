import { writeFile } from 'node:fs/promises';
import type { TopLevelSpec } from 'vega-lite';

/** The one vega-lite schema every chart of the project is drawn against (the installed vega-lite's). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * A vega-lite spec drawn headless to SVG text; its `$schema` is always `VEGA_LITE_SCHEMA`. vega and
 * vega-lite are dev dependencies: loaded only when a chart is drawn (CLI, benchmarks), never by the
 * service.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vega = await import('vega');
  const { compile } = await import('vega-lite');
  const view = new vega.View(vega.parse(compile({ ...spec, $schema: VEGA_LITE_SCHEMA }).spec), {
    renderer: 'none',
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** `renderSvg` written to a file. */
export async function writeSvg(path: string, spec: TopLevelSpec): Promise<void> {
  await writeFile(path, await renderSvg(spec));
}
