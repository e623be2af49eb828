import type { z } from 'zod';
import { PermanentMessageError } from './message-handler.js';

/** A message body that is not JSON or does not match its subject's schema: dead-lettered at once. */
export class PayloadError extends PermanentMessageError {
  override name = 'PayloadError';
  constructor(message: string) {
    super('validation_error', message);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON → the subject's schema, or a PayloadError whose message names every problem and where. */
export function parsePayload<T extends z.ZodType>(schema: T, data: Uint8Array): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(data));
  } catch (err) {
    throw new PayloadError(`payload is not UTF-8 JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PayloadError(`payload fails validation: ${problems.join('; ')}`);
  }
  return parsed.data;
}
