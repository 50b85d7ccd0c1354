/**
 * Timing of one real-time env since it was made (protocol: RealtimeEnvStats),
 * the same on the server that measures it and the client that asks for it.
 */
export interface RealtimeStats {
  readonly envId: number;
  /** The control rate (Hz). */
  readonly hz: number;
  /** Ticks the env advanced. */
  readonly ticks: number;
  /** Ticks that advanced on a held action. */
  readonly heldTicks: number;
  /** Step results with late_ticks > 0. */
  readonly lateSteps: number;
  /** |actual − scheduled| tick time (µs), median and 99th percentile over the last 1000 ticks. */
  readonly jitterUsP50: number;
  readonly jitterUsP99: number;
}
