import { z } from 'zod';
import { isKnownTimezone } from '../../features/local-time.js';
import { POLICY_NAMES } from '../../policies/policy-names.js';
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

export const ProfileFeatures = z
  .array(z.number())
  .length(5)
  .meta({ example: [0.2, 0, 1, 0.5, 0.1] });

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
