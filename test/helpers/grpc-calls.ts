// Calls to a simbridge server below the Connection class: the unary ListTasks,
// the standard health check, and a Session stream of raw bytes. The protocol
// tests use them to see what is on the wire, whoever serves it (the TypeScript
// server or an external one).
import * as grpc from "@grpc/grpc-js";
import { loadProtocol } from "../../src/protocol/service-definition.js";

/** ListTasks as a unary call; `token` goes in the `authorization: Bearer` metadata. */
export function listTasksUnary(address: string, token?: string): Promise<{ tasks: Array<{ name: string }> }> {
  const { proto } = loadProtocol();
  return new Promise((resolve, reject) => {
    const client = new proto.simbridge.v1.EnvironmentService(address, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    if (token) md.set("authorization", `Bearer ${token}`);
    client.ListTasks({}, md, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res as { tasks: Array<{ name: string }> });
    });
  });
}

/** The raw response bytes of grpc.health.v1.Health/Check for the whole server (SERVING is [0x08, 0x01]). */
export function healthCheck(address: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    // An empty service name: the request bytes are empty.
    client.makeUnaryRequest("/grpc.health.v1.Health/Check", (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res!);
    });
  });
}

/** A response of the Session stream as it comes off the wire (snake_case, oneof name in `payload`). */
export interface RawResponse {
  readonly id: number;
  readonly error: { code: number; message: string } | null;
  readonly payload?: string;
}

/**
 * A Session stream that sends what it is given: a request object is
 * serialised, a Buffer goes out as it is (so a test can send bytes that are no
 * protobuf message). Every response is collected in `responses`.
 */
export function rawSession(address: string) {
  const { proto } = loadProtocol();
  const def = proto.simbridge.v1.EnvironmentService.service.Session;
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const stream = client.makeBidiStreamRequest(def.path, (b: Buffer) => b, def.responseDeserialize);
  const responses: RawResponse[] = [];
  stream.on("data", (r) => responses.push(r as RawResponse));
  return {
    responses,
    write(request: Parameters<typeof def.requestSerialize>[0] | Buffer): void {
      stream.write(Buffer.isBuffer(request) ? request : def.requestSerialize(request));
    },
    /** Resolves once `n` responses have come. */
    got(n: number): Promise<void> {
      return new Promise<void>((resolve) => {
        const check = () => (responses.length >= n ? resolve() : setTimeout(check, 5));
        check();
      });
    },
    close(): void {
      stream.end();
      client.close();
    },
  };
}
