import { z } from 'zod';
import { isKnownPromptVersion, PROMPT_VERSIONS } from '../../generate/mod.js';
import { UserId } from './common.js';

export const MAX_CONTEXT_BYTES = 16 * 1024;

export const GenerateRequest = z
  .object({
    user_id: UserId,
    context: z
      .record(z.string(), z.unknown())
      .refine((c) => Buffer.byteLength(JSON.stringify(c)) <= MAX_CONTEXT_BYTES, {
        message: `context must be at most ${MAX_CONTEXT_BYTES} bytes of JSON`,
      })
      .meta({
        description: 'Any JSON object (at most 16 KiB serialized); rendered into the prompt as JSON',
        example: { open_tasks: 12, overdue: 3, focus: 'writing' },
      }),
    n: z.number().int().min(1).max(10).default(3),
    prompt_version: z
      .string()
      .min(1)
      .max(64)
      .refine(isKnownPromptVersion, {
        message: `unknown prompt version (known: ${PROMPT_VERSIONS.join(', ')})`,
      })
      .optional()
      .meta({ description: 'Default: DEFAULT_PROMPT_VERSION', example: 'v1' }),
  })
  .meta({
    id: 'GenerateRequest',
    example: {
      user_id: 'u1',
      context: { open_tasks: 12, overdue: 3, focus: 'writing' },
      n: 3,
      prompt_version: 'v1',
    },
  });
export type GenerateRequest = z.infer<typeof GenerateRequest>;

export const GenerateResponse = z
  .object({
    user_id: z.string(),
    prompt_version: z.string(),
    model: z.string(),
    candidates: z.array(
      z.object({
        id: z.string().meta({ description: 'Stable: a hash of the normalized text', example: 'tip_3f2a…' }),
        text: z.string(),
      }),
    ),
  })
  .meta({ id: 'GenerateResponse' });
