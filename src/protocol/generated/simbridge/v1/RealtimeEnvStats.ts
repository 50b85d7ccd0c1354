// Original file: proto/simbridge/v1/session.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Timing of one real-time env since it was made.
 */
export interface RealtimeEnvStats {
  'env_id'?: (number);
  /**
   * The control rate (Hz).
   */
  'hz'?: (number | string);
  /**
   * Ticks the env advanced.
   */
  'ticks'?: (number | string | Long);
  /**
   * Ticks that advanced on a held action (no fresh action in time).
   */
  'held_ticks'?: (number | string | Long);
  /**
   * Step results with late_ticks > 0.
   */
  'late_steps'?: (number | string | Long);
  /**
   * |actual − scheduled| tick time, microseconds: median and 99th percentile
   * over the last 1000 ticks.
   */
  'jitter_us_p50'?: (number | string);
  'jitter_us_p99'?: (number | string);
}

/**
 * Timing of one real-time env since it was made.
 */
export interface RealtimeEnvStats__Output {
  'env_id': (number);
  /**
   * The control rate (Hz).
   */
  'hz': (number);
  /**
   * Ticks the env advanced.
   */
  'ticks': (string);
  /**
   * Ticks that advanced on a held action (no fresh action in time).
   */
  'held_ticks': (string);
  /**
   * Step results with late_ticks > 0.
   */
  'late_steps': (string);
  /**
   * |actual − scheduled| tick time, microseconds: median and 99th percentile
   * over the last 1000 ticks.
   */
  'jitter_us_p50': (number);
  'jitter_us_p99': (number);
}
