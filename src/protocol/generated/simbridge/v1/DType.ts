// Original file: proto/simbridge/v1/tensor.proto

/**
 * Element type of a tensor. Every multi-byte type is little-endian on the wire.
 */
export const DType = {
  DTYPE_UNSPECIFIED: 0,
  /**
   * IEEE 754 binary32, 4 bytes per element.
   */
  FLOAT32: 1,
  /**
   * IEEE 754 binary64, 8 bytes per element.
   */
  FLOAT64: 2,
  /**
   * Two's complement, 4 bytes per element.
   */
  INT32: 3,
  /**
   * Two's complement, 8 bytes per element.
   */
  INT64: 4,
  /**
   * Unsigned, 1 byte per element (images).
   */
  UINT8: 5,
  /**
   * One byte per element, 0 = false, 1 = true.
   */
  BOOL: 6,
} as const;

/**
 * Element type of a tensor. Every multi-byte type is little-endian on the wire.
 */
export type DType =
  | 'DTYPE_UNSPECIFIED'
  | 0
  /**
   * IEEE 754 binary32, 4 bytes per element.
   */
  | 'FLOAT32'
  | 1
  /**
   * IEEE 754 binary64, 8 bytes per element.
   */
  | 'FLOAT64'
  | 2
  /**
   * Two's complement, 4 bytes per element.
   */
  | 'INT32'
  | 3
  /**
   * Two's complement, 8 bytes per element.
   */
  | 'INT64'
  | 4
  /**
   * Unsigned, 1 byte per element (images).
   */
  | 'UINT8'
  | 5
  /**
   * One byte per element, 0 = false, 1 = true.
   */
  | 'BOOL'
  | 6

/**
 * Element type of a tensor. Every multi-byte type is little-endian on the wire.
 */
export type DType__Output = typeof DType[keyof typeof DType]
