// The viewer's HTTP side against bad and hostile requests: the token, path
// traversal, malformed escapes, other methods — each answered, none crashing it.
import { it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { builtinRegistry } from "../../sims/catalog.js";
import { startServer } from "../../src/server/server.js";
import { startViewer } from "../../src/viewer/viewer-server.js";

/** A raw GET/POST (fetch would normalise `..` and escapes away). */
function raw(port: number, path: string, method = "GET"): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

it("the viewer refuses requests without the token, escapes from its folders, malformed paths and other methods, and keeps serving", async () => {
  const server = await startServer({ registry: builtinRegistry().only(["PointReach-v0"]), port: 0, token: "s3cret" });
  const viewer = await startViewer({ target: server.address, port: 0, token: "s3cret" });
  try {
    const p = viewer.port;
    assert.equal(await raw(p, "/"), 401);
    assert.equal(await raw(p, "/?token=wrong"), 401);
    assert.equal(await raw(p, "/events"), 401);
    assert.equal(await raw(p, "/?token=s3cret"), 200);
    assert.equal(await raw(p, "/app/../../../package.json"), 404);
    assert.equal(await raw(p, "/app/%2e%2e/%2e%2e/%2e%2e/package.json"), 404);
    assert.equal(await raw(p, "/app/%E0%A4%A"), 400);
    assert.equal(await raw(p, "/nothing-here"), 404);
    assert.equal(await raw(p, "/?token=s3cret", "POST"), 405);
    assert.equal(await raw(p, "/?token=s3cret"), 200, "still serving");
  } finally {
    await viewer.close();
    await server.close();
  }
});
