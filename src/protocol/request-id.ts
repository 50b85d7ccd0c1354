/**
 * The id of a `SessionRequest`, read by hand from its raw bytes.
 *
 * A request the server will not decode — over the size limit, or bytes that
 * are no `SessionRequest` — is still answered with its id whenever the id can
 * be read: every protobuf encoder writes fields in field-number order, so
 * `id` (field 1, a varint) comes first: the tag byte 0x08, then the value in
 * 1 to 10 bytes of 7 bits each, least significant first.
 */

/** Most bytes a uint64 varint takes. */
const MAX_VARINT_BYTES = 10;
/** The tag of field 1 with wire type 0 (varint): (1 << 3) | 0. */
const ID_TAG = 0x08;

/**
 * The id in the leading field 1 of `bytes`, as a decimal string (exact over
 * the whole uint64 range); `undefined` when the bytes do not start with field
 * 1 as a varint (the id is unknown: answer with 0); `"malformed"` when they
 * start with field 1 but its varint is cut off, longer than 10 bytes, or
 * larger than 2^64 − 1.
 */
export function readLeadingId(bytes: Uint8Array): string | "malformed" | undefined {
  if (bytes.length === 0 || bytes[0] !== ID_TAG) return undefined;
  let value = 0n;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const b = bytes[1 + i];
    if (b === undefined) return "malformed"; // cut off
    if (i === MAX_VARINT_BYTES - 1 && b > 0x01) return "malformed"; // bits beyond 2^64, or an 11th byte
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) return value.toString();
  }
  return "malformed";
}
