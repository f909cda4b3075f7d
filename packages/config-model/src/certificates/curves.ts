/**
 * Is an uncompressed EC point on its named curve? OpenSSL refuses to load a private key whose
 * public point is not (EC_POINT_oct2point), so the DER fast path in private-key.ts must refuse
 * it too, or a key node:crypto would reject could be matched. Curve parameters are those of
 * FIPS 186-4 §D.1.2 (all three have a = -3); BigInt keeps this a few µs per key.
 */
interface Curve {
  readonly bytes: number;
  readonly p: bigint;
  readonly b: bigint;
}

const CURVES: Readonly<Record<string, Curve>> = {
  'P-256': {
    bytes: 32,
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  },
  'P-384': {
    bytes: 48,
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  },
  'P-521': {
    bytes: 66,
    p: (1n << 521n) - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
  },
};

/**
 * The last point found on its curve: a certificate's point is checked when it is read
 * (strict.ts) and the same point again in its private key (private-key.ts).
 */
let lastGood: { curve: string; point: Uint8Array } | null = null;

/** SEC 1 §2.3.4: 0x04 || X || Y, each coordinate below p, and y² = x³ - 3x + b (mod p). */
export function isOnCurve(curveName: string, point: Uint8Array): boolean {
  if (lastGood !== null && lastGood.curve === curveName && sameBytes(lastGood.point, point)) return true;
  const good = checkPoint(curveName, point);
  if (good) lastGood = { curve: curveName, point: Uint8Array.from(point) };
  return good;
}

function checkPoint(curveName: string, point: Uint8Array): boolean {
  const curve = CURVES[curveName];
  if (curve === undefined || point.length !== 1 + 2 * curve.bytes || point[0] !== 0x04) return false;
  const x = toBigInt(point, 1, 1 + curve.bytes);
  const y = toBigInt(point, 1 + curve.bytes, point.length);
  const { p, b } = curve;
  if (x >= p || y >= p) return false;
  const right = (((((x * x) % p) * x) % p) - 3n * x + b) % p;
  return (y * y - right) % p === 0n;
}

function toBigInt(bytes: Uint8Array, start: number, end: number): bigint {
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('hex')}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
