import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { issuesToDetail } from '../contract/mod.js';
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
    return { error: new ValidationError(issuesToDetail(result.error.issues, [partName(httpPart)])) };
  };
