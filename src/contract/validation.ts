import type { z } from 'zod';
import type { ValidationIssue } from '../errors/app-errors.js';

/**
 * zod issues as FastAPI-style detail entries, each `loc` starting with `prefix` (the request part, or
 * where an item sits in a batch), indices as numbers: `["body","candidates",0,"priority"]`.
 */
export function issuesToDetail(issues: z.core.$ZodIssue[], prefix: (string | number)[]): ValidationIssue[] {
  return issues.flatMap(closestBranch).map((issue) => ({
    loc: [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    msg: issue.message,
    type: issueType(issue),
  }));
}

/**
 * A body that matches no member of a union (the two reward forms) is reported as the member it came
 * closest to (fewest issues; the first on a tie), with paths from the union's place, instead of zod's
 * bare "invalid input".
 */
function closestBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  let best = issue.errors[0]!;
  for (const branch of issue.errors) if (branch.length < best.length) best = branch;
  return best.flatMap((inner) => closestBranch({ ...inner, path: [...issue.path, ...inner.path] }));
}

function issueType(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return 'missing';
  if (issue.code === 'custom' && typeof issue.params?.type === 'string') return issue.params.type;
  return issue.code;
}
