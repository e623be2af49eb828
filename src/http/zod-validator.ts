import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { ValidationError } from '../errors/app-errors.js';
import { partName } from './error-handler.js';

/**
 * Validates with the route's zod schema and reports FastAPI-style issues: `loc` is the request part
 * followed by the path, indices as numbers (`["body","candidates",0,"priority"]`).
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    const part = partName(httpPart);
    return {
      error: new ValidationError(
        result.error.issues.map((issue) => ({
          loc: [part, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
          msg: issue.message,
          type: issueType(issue),
        })),
      ),
    };
  };

function issueType(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return 'missing';
  if (issue.code === 'custom' && typeof issue.params?.type === 'string') return issue.params.type;
  return issue.code;
}
