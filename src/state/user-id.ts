/** CONTRACT §1: 1–128 of [A-Za-z0-9._@:-], not starting with '.'. It names files, so nothing else passes. */
export const USER_ID_PATTERN = /^(?!\.)[A-Za-z0-9._@:-]{1,128}$/;

export function isValidUserId(s: string): boolean {
  return USER_ID_PATTERN.test(s);
}
