import { randomBytes } from 'node:crypto';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** A source of uniform numbers in [0, 1): seeded for reproducible tests, else seeded from the OS. */
export type RandomSource = () => number;

export function createRandomSource(seed?: number): RandomSource {
  const rng = xoroshiro128plus(seed ?? randomBytes(4).readInt32LE(0));
  return () => uniformFloat64(rng);
}
