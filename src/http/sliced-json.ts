/** Items serialized between two turns of the event loop. */
const ITEMS_PER_SLICE = 256;

/**
 * `JSON.stringify({ [key]: items })`, item by item with a turn of the event loop every ITEMS_PER_SLICE
 * items: a 10,000-result /score/batch answer (tens of MiB) does not hold the loop for one long call.
 */
export async function stringifyInSlices(key: string, items: readonly unknown[]): Promise<string> {
  const parts = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    parts[i] = JSON.stringify(items[i]);
  }
  return `{${JSON.stringify(key)}:[${parts.join(',')}]}`;
}
