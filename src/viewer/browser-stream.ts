/**
 * BrowserStream: one browser's Server-Sent Events connection. Models and
 * status are queued (few, small); frames are coalesced: while the socket is
 * full (`write` returned false), only each env's latest frame waits and the
 * ones it replaces are counted as dropped here. So a slow or vanished browser
 * holds at most one frame per env, and never slows the relay or the server.
 */
import type { ServerResponse } from "node:http";
import type { FrameEvent, RelayEvent } from "./view-relay.js";

/** Queued non-frame events past which a browser that takes nothing is cut. */
const MAX_QUEUED = 1000;

export class BrowserStream {
  /** Frames replaced before this browser could take them. */
  dropped = 0;
  private blocked = false;
  private readonly queued: string[] = [];
  private readonly pendingFrames = new Map<string, FrameEvent>();
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly onClose: () => void,
  ) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
    res.write("retry: 1000\n\n");
    res.on("close", () => this.close());
    res.on("drain", () => {
      this.blocked = false;
      this.flush();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Frames waiting for the socket (at most one per env). */
  get pending(): number {
    return this.pendingFrames.size + this.queued.length;
  }

  send(e: RelayEvent, extra?: Record<string, unknown>): void {
    if (this.closed) return;
    if (e.type === "frame") {
      if (this.pendingFrames.has(e.frame.id)) this.dropped++;
      this.pendingFrames.delete(e.frame.id); // re-inserted last: the map stays in arrival order
      this.pendingFrames.set(e.frame.id, e.frame);
    } else {
      if (e.type === "gone") this.pendingFrames.delete(e.id);
      const data = e.type === "model" ? { key: e.key, model: e.model } : e.type === "gone" ? { id: e.id } : { ...e.status, ...extra };
      this.queued.push(`event: ${e.type}\ndata: ${JSON.stringify(data)}\n\n`);
      if (this.queued.length > MAX_QUEUED) return this.close();
    }
    this.flush();
  }

  /** Any other event (metrics), queued like models. */
  sendRaw(type: string, data: unknown): void {
    if (this.closed) return;
    this.queued.push(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    if (this.queued.length > MAX_QUEUED) return this.close();
    this.flush();
  }

  /** A comment line, so proxies and browsers keep an idle stream open. */
  heartbeat(): void {
    if (!this.closed && !this.blocked) this.blocked = !this.res.write(": ping\n\n");
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queued.length = 0;
    this.pendingFrames.clear();
    this.res.end();
    this.onClose();
  }

  private flush(): void {
    while (!this.blocked && this.queued.length) this.blocked = !this.res.write(this.queued.shift()!);
    for (const [id, f] of this.pendingFrames) {
      if (this.blocked) return;
      this.pendingFrames.delete(id);
      this.blocked = !this.res.write(`event: frame\ndata: ${JSON.stringify(f)}\n\n`);
    }
  }
}
