import { z } from 'zod';
import { isKnownTimezone } from '../../features/mod.js';
import { POLICY_NAMES } from '../../policies/mod.js';
import { USER_ID_PATTERN } from '../../state/user-id.js';

export const UserId = z
  .string()
  .regex(USER_ID_PATTERN, 'user_id must be 1-128 of [A-Za-z0-9._@:-], not starting with "."')
  .meta({ description: 'Names files on disk, so nothing else is accepted.', example: 'u1' });

/** RFC 3339 with an offset or Z (CONTRACT §1). */
export const Timestamp = z.iso
  .datetime({ offset: true })
  .meta({ description: 'RFC 3339 timestamp with an offset', example: '2026-11-24T09:30:00Z' });

export const Timezone = z
  .string()
  .min(1)
  .max(64)
  .refine(isKnownTimezone, 'unknown IANA time zone')
  .meta({ description: 'IANA time zone name', example: 'Europe/Berlin' });

export const PolicyName = z.enum(POLICY_NAMES);

/**
 * Bound on each profile feature. Every other feature is in [-1, 1] by construction; this keeps one
 * update's xxᵀ at most 1e6 per entry, so A stays finite and well enough conditioned for a float64
 * Cholesky for far more rewards than a user can send (docs/input-bounds.md).
 */
export const PROFILE_FEATURE_MAX = 1000;

export const ProfileFeatures = z
  .array(z.number().min(-PROFILE_FEATURE_MAX).max(PROFILE_FEATURE_MAX))
  .length(5)
  .meta({
    description: `Exactly 5 numbers, each in [-${PROFILE_FEATURE_MAX}, ${PROFILE_FEATURE_MAX}]`,
    example: [0.2, 0, 1, 0.5, 0.1],
  });

export const ValidationIssue = z.object({
  loc: z.array(z.union([z.string(), z.number()])),
  msg: z.string(),
  type: z.string(),
});

export const ErrorBody = z
  .object({
    error: z.string().meta({ description: 'stable snake_case code', example: 'validation_error' }),
    message: z.string(),
    detail: z.array(ValidationIssue).optional(),
  })
  .meta({ id: 'Error' });

export const UserIdParams = z.object({ user_id: UserId });

export const RankedItem = z.object({ id: z.string(), score: z.number() });
