/**
 * Flow control of one Session stream: a client that stops reading its
 * responses cannot grow the server's memory (DESIGN.md, "Hostile clients are
 * normal").
 *
 * The server reads requests, answers them in order and hands each answer to
 * grpc-js, which holds it until HTTP/2 lets it out. A client that does not
 * read closes its stream's HTTP/2 window, so every answer after that waits in
 * server memory, and without a bound a client that keeps sending makes the
 * server hold answers without end. So each session counts what it holds:
 * requests read and not yet answered (`pending`) and answers handed to grpc-js
 * and not yet written to the connection (`queued`). When pending + queued
 * reaches `limit`, or when grpc-js's own buffer is full (`write()` returns
 * false), the server stops reading the session (`call.pause()`): the requests
 * the client goes on sending stay in HTTP/2 — grpc-js stops reading the
 * stream, its receive window closes, and the client's writes wait (in the
 * client's memory). Reading resumes (`call.resume()`) once the client has
 * taken answers: `queued` written out down to `limit / 2` in flight, and
 * grpc-js drained.
 *
 * What a session holds is therefore bounded however long its client runs:
 * at most `limit` requests and answers in flight, plus what grpc-js and HTTP/2
 * buffer below (16 decoded requests and one HTTP/2 window each way). Watch
 * streams work the other way (frames a slow watcher cannot take are dropped,
 * see watch-hub.ts): Session answers are never dropped, only delayed.
 */
/** Counts shared by every session of a server. */
export interface FlowTotals {
  /** Highest pending + queued of any one session since the server started. */
  peakInFlight: number;
}

/** The part of a grpc-js duplex call (a node Duplex) flow control uses. */
export interface FlowCall<Response> {
  pause(): unknown;
  resume(): unknown;
  once(event: "drain", listener: () => void): unknown;
  readonly writableNeedDrain: boolean;
  write(response: Response, callback: (error?: Error | null) => void): boolean;
}

export class SessionFlow<Response> {
  /** Requests read, not yet answered. */
  pending = 0;
  /** Answers handed to grpc-js, not yet written to the connection. */
  queued = 0;
  /** True while the server does not read this session's requests. */
  paused = false;
  private waitingForDrain = false;

  constructor(
    private readonly call: FlowCall<Response>,
    /** Most requests + answers in flight in this session (≥ 1). */
    readonly limit: number,
    private readonly totals: FlowTotals,
  ) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`flow-control limit must be an integer ≥ 1, got ${limit}`);
  }

  get inFlight(): number {
    return this.pending + this.queued;
  }

  /** A request was read: stops reading when the session holds `limit`. */
  received(): void {
    this.pending++;
    if (this.inFlight > this.totals.peakInFlight) this.totals.peakInFlight = this.inFlight;
    if (this.inFlight >= this.limit) this.pause();
  }

  /** The answer of the oldest pending request: handed to grpc-js, counted until written. */
  send(response: Response): void {
    this.pending--;
    this.queued++;
    const accepted = this.call.write(response, () => {
      this.queued--;
      this.maybeResume();
    });
    if (!accepted) {
      this.pause();
      if (!this.waitingForDrain) {
        this.waitingForDrain = true;
        this.call.once("drain", () => {
          this.waitingForDrain = false;
          this.maybeResume();
        });
      }
    }
  }

  /** The oldest pending request gets no answer: the session ended (reading does not resume). */
  discard(): void {
    this.pending--;
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.call.pause();
  }

  private maybeResume(): void {
    if (!this.paused || this.waitingForDrain || this.call.writableNeedDrain) return;
    if (this.inFlight > Math.floor(this.limit / 2)) return;
    this.paused = false;
    this.call.resume();
  }
}
