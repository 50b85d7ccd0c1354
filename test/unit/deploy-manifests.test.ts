// deploy/: the container image and the Kubernetes manifests of an env server
// fleet. No cluster or Docker is needed: every YAML document is parsed and the
// facts deploy/README.md relies on are checked — the Service is headless and
// finds the pods, the probes ask the health service for the served task, the
// token comes from the Secret, the pod runs as non-root with bounded resources,
// and the container's command line is one `simbridge serve` accepts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { SERVE } from "../../src/cli/serve.js";
import { builtinRegistry } from "../../sims/catalog.js";
import { packageRoot } from "../../src/protocol/service-definition.js";

const ROOT = packageRoot();
const K8S = join(ROOT, "deploy", "k8s");

// Only the fields these checks read; the manifests hold more.
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}
interface GrpcProbe {
  grpc?: { port: number; service?: string };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  readinessProbe?: GrpcProbe;
  livenessProbe?: GrpcProbe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; runAsNonRoot?: boolean; runAsUser?: number };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}
interface DeploymentSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}
interface ServiceSpec {
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
  selector: Record<string, string>;
  ports: Array<{ name?: string; port: number; targetPort?: number | string }>;
}

/** Every YAML document under deploy/k8s, with the file it came from; a syntax error fails here. */
function loadManifests(): Array<{ file: string; doc: Manifest }> {
  const out: Array<{ file: string; doc: Manifest }> = [];
  for (const file of readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(K8S, file), "utf8"))) {
      assert.deepEqual(doc.errors.map(String), [], `${file}: YAML errors`);
      const value = doc.toJS() as Manifest | null;
      if (value !== null) out.push({ file, doc: value });
    }
  }
  return out;
}

const MANIFESTS = loadManifests();

function only(kind: string): { file: string; doc: Manifest } {
  const found = MANIFESTS.filter((m) => m.doc.kind === kind);
  assert.equal(found.length, 1, `expected one ${kind} in deploy/k8s, found ${found.length}`);
  return found[0]!;
}

const deployment = only("Deployment").doc as Manifest & { spec: DeploymentSpec };
const service = only("Service").doc as Manifest & { spec: ServiceSpec };
const secret = only("Secret");
const kustomization = only("Kustomization").doc as Manifest & { resources: string[] };
const pod = deployment.spec.template.spec;
const container = pod.containers[0]!;

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function dockerInstructions(text: string): Array<{ op: string; rest: string }> {
  const lines = text.split("\n").filter((line) => !/^\s*#/.test(line));
  const joined = lines.join("\n").replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), rest: rest.join(" ") };
    });
}

const DOCKERFILE = dockerInstructions(readFileSync(join(ROOT, "deploy", "Dockerfile"), "utf8"));

/** The image's ENTRYPOINT (exec form, so node is PID 1 and receives SIGTERM itself). */
function entrypoint(): string[] {
  const found = DOCKERFILE.filter((i) => i.op === "ENTRYPOINT");
  assert.equal(found.length, 1, "one ENTRYPOINT");
  const argv = JSON.parse(found[0]!.rest) as unknown;
  assert.ok(Array.isArray(argv) && argv.every((a) => typeof a === "string"), "ENTRYPOINT in exec (JSON array) form");
  return argv as string[];
}

/** The `serve` flags of the image's ENTRYPOINT, after `node bin/simbridge.js serve`. */
function entrypointServeFlags(): string[] {
  const argv = entrypoint();
  assert.deepEqual(argv.slice(0, 3), ["node", "bin/simbridge.js", "serve"]);
  return argv.slice(3);
}

/** The server's drain timeout in seconds: --drain-timeout's default once serve declares it, else 10 s. */
function drainTimeoutSeconds(): number {
  const flag = (SERVE.spec.flags as Record<string, { default?: unknown }>)["drain-timeout"];
  return typeof flag?.default === "number" ? flag.default / 1000 : 10;
}

/** A Kubernetes quantity ("500m", "2", "256Mi", "1G") as a number of base units. */
function quantity(text: string | number): number {
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(text));
  assert.ok(m, `not a Kubernetes quantity: ${String(text)}`);
  const scale: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(m[1]) * (m[2] ? scale[m[2]]! : 1);
}

describe("deploy/k8s manifests", () => {
  it("holds a Deployment and a headless Service named simbridge-envs, and an example Secret", () => {
    assert.equal(deployment.metadata.name, "simbridge-envs");
    assert.equal(deployment.apiVersion, "apps/v1");
    assert.equal(deployment.spec.replicas, 4);
    assert.equal(service.metadata.name, "simbridge-envs");
    assert.equal(service.apiVersion, "v1");
    assert.equal(secret.doc.metadata.name, "simbridge-token");
    assert.equal(secret.file, "secret.example.yaml");
    assert.equal(pod.containers.length, 1, "one container per pod: one server per pod");
  });

  it("the Service is headless, selects the Deployment's pods and exposes its gRPC port", () => {
    // Headless: DNS returns every pod's address, which a fleet client spreads its envs over.
    assert.equal(service.spec.clusterIP, "None");
    assert.notEqual(service.spec.publishNotReadyAddresses, true, "draining or starting pods must stay out of DNS");
    const podLabels = deployment.spec.template.metadata.labels;
    assert.ok(Object.keys(service.spec.selector).length > 0, "the Service has a selector");
    for (const [key, value] of Object.entries(service.spec.selector)) assert.equal(podLabels[key], value, `Service selector ${key}`);
    for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) assert.equal(podLabels[key], value, `Deployment selector ${key}`);

    const grpcPort = container.ports?.find((p) => p.name === "grpc");
    assert.ok(grpcPort, "the container declares a port named grpc");
    assert.equal(grpcPort.containerPort, 50051);
    assert.equal(service.spec.ports.length, 1);
    const port = service.spec.ports[0]!;
    assert.equal(port.name, "grpc");
    assert.equal(port.port, grpcPort.containerPort, "clients dial the same port number the server listens on");
    assert.ok(port.targetPort === undefined || port.targetPort === grpcPort.name || port.targetPort === grpcPort.containerPort, `targetPort ${String(port.targetPort)}`);
  });

  it("the container's command line is a valid `simbridge serve` on the container port, serving a built-in task", () => {
    // No `command`: the image's ENTRYPOINT runs, and `args` are appended to it.
    assert.equal(container.command, undefined);
    const argv = [...entrypointServeFlags(), ...(container.args ?? [])];
    const { values } = SERVE.parse(argv);
    assert.equal(values.host, "0.0.0.0", "bound beyond loopback, or the pod IP is unreachable");
    assert.equal(values.port, container.ports![0]!.containerPort);
    assert.equal(values.task.length, 1, "one task per fleet: the readiness probe names it");
    const names = builtinRegistry().names;
    assert.ok(names.includes(values.task[0]!), `--task ${values.task[0]} is not built in (${names.join(", ")})`);
    // A black box sends no reward; without goals it sends no success either, and nothing could learn.
    if (values["black-box"]) assert.ok(builtinRegistry().spec(values.task[0]!).goalConditioned, `--black-box on ${values.task[0]}, which has no goals`);
    assert.ok(values.capacity > 0, "--capacity declared, so fleet clients can split envs by it");
    assert.equal(values.token, undefined, "no --token on the command line: it would sit in the pod spec in clear");
  });

  it("probes are gRPC health checks on the container port: readiness for the task, liveness overall", () => {
    const { values } = SERVE.parse([...entrypointServeFlags(), ...(container.args ?? [])]);
    const ready = container.readinessProbe?.grpc;
    const live = container.livenessProbe?.grpc;
    assert.ok(ready && live, "readiness and liveness probes use grpc");
    assert.equal(ready.port, values.port);
    assert.equal(live.port, values.port);
    assert.equal(ready.service, `task:${values.task[0]}`);
    assert.equal(live.service ?? "", "", "liveness asks for the server as a whole");
    // A draining server answers NOT_SERVING; liveness must not restart it before the drain ends.
    const probe = container.livenessProbe!;
    assert.ok((probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3) > drainTimeoutSeconds(), "liveness gives up only after a drain would have ended");
  });

  it("SIMBRIDGE_TOKEN comes from the Secret the example defines", () => {
    const token = container.env?.find((e) => e.name === "SIMBRIDGE_TOKEN");
    assert.ok(token, "SIMBRIDGE_TOKEN is set");
    assert.equal(token.value, undefined, "not a literal value");
    const ref = token.valueFrom?.secretKeyRef;
    assert.ok(ref, "from a secretKeyRef");
    assert.equal(ref.name, secret.doc.metadata.name);
    const data = { ...(secret.doc["stringData"] as Record<string, string> | undefined), ...(secret.doc["data"] as Record<string, string> | undefined) };
    assert.ok(Object.hasOwn(data, ref.key), `the Secret has key ${ref.key}`);
  });

  it("sets CPU and memory requests and limits, limits at least the requests", () => {
    const { requests, limits } = container.resources ?? {};
    for (const resource of ["cpu", "memory"]) {
      assert.ok(requests?.[resource] !== undefined, `requests.${resource}`);
      assert.ok(limits?.[resource] !== undefined, `limits.${resource}`);
      assert.ok(quantity(limits[resource]!) >= quantity(requests[resource]!), `limits.${resource} ≥ requests.${resource}`);
    }
  });

  it("runs as non-root without privilege escalation on a read-only root filesystem", () => {
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    // A uid, because runAsNonRoot cannot verify the image's user by name.
    const uid = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
    assert.ok(typeof uid === "number" && uid > 0, `runAsUser ${String(uid)}`);
    assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
    assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
  });

  it("gives a stopping server longer than its drain timeout before SIGKILL", () => {
    assert.ok((pod.terminationGracePeriodSeconds ?? 30) > drainTimeoutSeconds(), `terminationGracePeriodSeconds ${String(pod.terminationGracePeriodSeconds)}`);
  });

  it("the kustomization lists every manifest but the example Secret", () => {
    const files = readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f) && f !== "kustomization.yaml");
    const expected = files.filter((f) => !f.includes(".example.")).sort();
    assert.deepEqual([...kustomization.resources].sort(), expected);
    // Applied after a real token was created, the example would overwrite it with its placeholder.
    assert.ok(!kustomization.resources.includes(secret.file), "secret.example.yaml is not applied by `kubectl apply -k`");
  });
});

describe("deploy/Dockerfile", () => {
  it("builds on a slim Node image of a supported version", () => {
    const bases = DOCKERFILE.filter((i) => i.op === "FROM").map((i) => i.rest.split(/\s+/)[0]!);
    assert.ok(bases.length >= 2, "multi-stage: a build stage and a runtime stage");
    for (const base of bases) assert.match(base, /^node:(2[0-9])(\.[0-9.]+)?-slim$/, `base image ${base}`);
  });

  it("the runtime stage copies the compiled dist, the protocol and package.json, and runs as a non-root user", () => {
    const lastFrom = DOCKERFILE.map((i) => i.op).lastIndexOf("FROM");
    const runtime = DOCKERFILE.slice(lastFrom);
    const copied = runtime.filter((i) => i.op === "COPY").map((i) => i.rest);
    for (const path of ["dist", "proto", "package.json", "node_modules", "bin"]) {
      assert.ok(copied.some((c) => new RegExp(`/${path}(\\s|$)`).test(c)), `COPY of ${path} into the runtime stage`);
    }
    const users = runtime.filter((i) => i.op === "USER").map((i) => i.rest);
    assert.equal(users.length, 1, "one USER in the runtime stage");
    assert.ok(!/^(root|0)(:|$)/.test(users[0]!), `USER ${users[0]}`);
  });

  it("ENTRYPOINT is a valid `simbridge serve` on the exposed port, bound beyond loopback", () => {
    const { values } = SERVE.parse(entrypointServeFlags());
    assert.equal(values.host, "0.0.0.0");
    const exposed = DOCKERFILE.filter((i) => i.op === "EXPOSE").map((i) => Number(i.rest));
    assert.deepEqual(exposed, [values.port]);
  });

  it("the build context leaves out local builds and dependencies", () => {
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"));
    for (const path of ["node_modules", "dist", ".git", "runs"]) assert.ok(ignored.includes(path), `.dockerignore lists ${path}`);
  });
});
