// int64 fields decode as `long` objects (or plain numbers when small); these convert with care.
import type Long from 'long';

export type Int64 = number | Long | bigint;

/** To a JS number; exact up to 2^53, approximate beyond (fine for dims, attributes, counts). */
export function toNumber(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return v.toNumber();
}

/** To a BigInt, exact; `unsigned` reads the 64 bits as uint64. */
export function toBigInt(v: Int64 | null | undefined, unsigned = false): bigint {
  if (v === null || v === undefined) return 0n;
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number') b = BigInt(Math.trunc(v));
  else b = (BigInt(v.high) << 32n) | BigInt(v.low >>> 0);
  return unsigned ? BigInt.asUintN(64, b) : BigInt.asIntN(64, b);
}
