/**
 * One line of a JSON-lines file as an object, or null for a torn or foreign line: both readers of such
 * files (the scored-event journal, the /recommend decision log) count those and go on.
 */
export function parseJsonObjectLine(text: string): Record<string, unknown> | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
