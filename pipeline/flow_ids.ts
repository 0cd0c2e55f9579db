/**
 * EVE flow ids unique per sensor and run, as Suricata's hash-based ids are: the flow table numbers flows 1, 2, 3…
 * in every run, which collide across runs and sensors in a SIEM. Each run draws a random 21-bit salt; the id is a
 * bijective mix of (salt, flow number) over 53 bits, so ids are unique within a run (for 2^32 flows) and two runs
 * share an id only when their salts are equal (1 in 2 million).
 *
 * @module
 */

const MASK53 = (1n << 53n) - 1n;
const C1 = 0x1d8e4e27c47d12n; // odd: multiplication by it is invertible modulo 2^53
const C2 = 0x15f8a1b3c6d9e5n;

/** A 53-bit bijection (xor-shift / odd-multiply rounds): looks random, never maps two inputs to one output. */
function mix53(x: bigint): bigint {
  x ^= x >> 29n;
  x = (x * C1) & MASK53;
  x ^= x >> 31n;
  x = (x * C2) & MASK53;
  x ^= x >> 27n;
  return x;
}

/** Maps a run's local flow numbers to EVE flow ids. */
export class FlowIdSpace {
  /** This run's salt (0 … 2^21 − 1). */
  readonly salt: number;

  /** `salt` for tests; by default a random one. */
  constructor(salt?: number) {
    if (salt === undefined) salt = crypto.getRandomValues(new Uint32Array(1))[0] & 0x1fffff;
    if (!(Number.isInteger(salt) && salt >= 0 && salt < 0x200000)) {
      throw new RangeError(`Cannot create flow id space: salt must be an integer from 0 to 2097151 (got ${salt})`);
    }
    this.salt = salt;
  }

  /** The EVE flow id of local flow number `n` (≥ 1): a positive safe integer; 0 stays 0 (no flow). */
  id(n: number): number {
    if (n <= 0) return 0;
    const x = (BigInt(this.salt) << 32n) | BigInt(n % 4294967296);
    const id = Number(mix53(x));
    return id === 0 ? 1 : id;
  }
}
