/**
 * `watch(address, options)`: a server's live frames as an rxjs Observable.
 * Subscribing opens a Watch stream; unsubscribing cancels it. Errors arrive as
 * SimbridgeErrors (UNAUTHENTICATED, UNAVAILABLE, ...). Each frame carries the
 * agent's annotations of its step as Float32Arrays by name
 * (`frame.annotations["subgoal_target"]`), empty when it sent none.
 */
import { Observable } from "rxjs";
import { openWatch, type Frame, type WatchOptions } from "../client/watch-client.js";

export function watch(address: string, options: WatchOptions = {}): Observable<Frame> {
  return new Observable<Frame>((subscriber) => {
    const w = openWatch(address, options, {
      frame: (f) => subscriber.next(f),
      error: (e) => subscriber.error(e),
      end: () => subscriber.complete(),
    });
    return () => w.cancel();
  });
}
