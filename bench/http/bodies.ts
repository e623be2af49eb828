/** Request bodies for the load runs: many users, K candidates each, built once as JSON text. */

const CANDIDATE_SETS = 64;

export function candidateSets(k: number): string[] {
  const sets: string[] = [];
  for (let s = 0; s < CANDIDATE_SETS; s++) {
    const cands = Array.from({ length: k }, (_, j) => ({
      id: `task-${s}-${j}`,
      priority: (s + j) % 5,
      created_at: new Date(Date.UTC(2026, 9, 1 + ((s * 7 + j) % 50), j % 24)).toISOString(),
      due_at: j % 3 === 0 ? null : new Date(Date.UTC(2026, 10, 1 + ((s + j) % 40), 12)).toISOString(),
    }));
    sets.push(JSON.stringify(cands));
  }
  return sets;
}

export function candidates(n: number): string[] {
  return candidateSets(1)
    .flatMap((s) => JSON.parse(s).map((c: unknown) => JSON.stringify(c)))
    .slice(0, n);
}

const PROFILE = '[0.2,0,1,0.5,0.1]';

/** `/score/*`: user `i mod users`, the server's clock, Europe/Berlin. */
export function scoreBody(users: number, k: number): (i: number) => string {
  const sets = candidateSets(k);
  return (i) =>
    `{"user_id":"bench-${i % users}","timezone":"Europe/Berlin","candidates":${sets[i % sets.length]},"profile_features":${PROFILE}}`;
}

/** `/reward/*` by value: the candidate and its reward travel in the body. */
export function rewardBody(users: number): (i: number) => string {
  const cands = candidates(64);
  return (i) =>
    `{"user_id":"bench-${i % users}","reward":${((i % 21) - 10) / 10},"timezone":"Europe/Berlin","candidate":${cands[i % cands.length]},"profile_features":${PROFILE}}`;
}
