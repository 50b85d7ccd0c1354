// Steps envs of one task on a server with small smooth actions until stopped,
// resetting ended envs; when the server goes away it connects again and makes
// its envs anew (as a training run does).
import { Connection } from "../../src/client/connection.js";
import { RemoteVectorEnv } from "../../src/client/remote-vector-env.js";

export class EnvDriver {
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(address: string, task: string, envs: number, stepMs = 15) {
    this.done = this.loop(address, task, envs, stepMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async loop(address: string, task: string, n: number, stepMs: number): Promise<void> {
    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    let t = 0;
    while (!this.stopped) {
      let env: RemoteVectorEnv | undefined;
      let conn: Connection | undefined;
      try {
        conn = await Connection.open(address, { timeoutMs: 2000 });
        env = await RemoteVectorEnv.make(conn, task, n);
        const act = env.spec.action.shape[0]!;
        let batch = await env.reset(Array.from({ length: n }, (_, i) => ({ index: i, seed: i })));
        while (!this.stopped) {
          const ended = Array.from(batch.status).flatMap((s, i) => (s !== 1 ? [{ index: i }] : []));
          if (ended.length) batch = await env.reset(ended);
          t++;
          batch = await env.step(Float32Array.from({ length: n * act }, (_, k) => 0.8 * Math.sin(t * 0.05 + k * 1.3)));
          await sleep(stepMs);
        }
      } catch {
        await sleep(300);
      } finally {
        await env?.close().catch(() => undefined);
        conn?.close();
      }
    }
  }
}
