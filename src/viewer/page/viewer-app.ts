/**
 * The viewer page: every live env of a simbridge server as a 3-D scene in a
 * grid (click one to enlarge it, click again for the grid), with its episode,
 * step, sim time, reward and a flash on success; the connection state, frame
 * rates and dropped frames; and a training run's learning curves.
 *
 * Data comes from `/events` (Server-Sent Events, view-relay.ts): `model`,
 * `frame`, `gone`, `status`, `metrics`. The browser's EventSource reconnects
 * by itself when the viewer process restarts; a simbridge server that
 * restarts is the relay's to reconnect, and `status` says so meanwhile.
 *
 * One WebGL canvas draws every tile (a scissor rectangle per tile), so the
 * number of envs is not bounded by the browser's limit on WebGL contexts.
 */
import * as THREE from "sb-three";
import { EnvScene, type FrameEvent, type ViewModel } from "./env-scene.js";
import { LearningCharts } from "./learning-charts.js";

interface Tile {
  readonly id: string;
  readonly element: HTMLElement;
  readonly label: HTMLElement;
  readonly detail: HTMLElement;
  scene: EnvScene;
  key: string;
  successUntil: number;
}

const $ = (id: string) => document.getElementById(id)!;
const grid = $("grid");
const canvas = $("view") as HTMLCanvasElement;
const models = new Map<string, ViewModel>();
const tiles = new Map<string, Tile>();
const charts = new LearningCharts($("charts"));
let enlarged: string | undefined;
let renderedFrames = 0;
let framesIn = 0;

const renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
renderer.setPixelRatio(1);
renderer.setScissorTest(true);

function setText(id: string, text: string): void {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

function setState(state: string): void {
  const el = $("state");
  el.dataset["state"] = state;
  setText("state", state);
}

function tileFor(f: FrameEvent): Tile {
  let t = tiles.get(f.id);
  if (t && t.key !== f.key) {
    t.scene = new EnvScene(models.get(f.key));
    t.key = f.key;
  }
  if (t) return t;
  const element = document.createElement("div");
  element.className = "tile";
  element.dataset["env"] = f.id;
  element.dataset["task"] = f.task;
  const label = document.createElement("div");
  label.className = "label";
  const detail = document.createElement("div");
  detail.className = "detail";
  element.append(label, detail);
  element.addEventListener("click", () => {
    enlarged = enlarged === f.id ? undefined : f.id;
    grid.classList.toggle("single", enlarged !== undefined);
    for (const other of tiles.values()) other.element.classList.toggle("enlarged", other.id === enlarged);
  });
  grid.appendChild(element);
  t = { id: f.id, element, label, detail, scene: new EnvScene(models.get(f.key)), key: f.key, successUntil: 0 };
  tiles.set(f.id, t);
  sortTiles();
  setText("env-count", String(tiles.size));
  return t;
}

function sortTiles(): void {
  const sorted = [...tiles.values()].sort((a, b) => a.element.dataset["task"]!.localeCompare(b.element.dataset["task"]!) || a.id.localeCompare(b.id, undefined, { numeric: true }));
  for (const t of sorted) grid.appendChild(t.element);
}

function removeTile(id: string): void {
  const t = tiles.get(id);
  if (!t) return;
  t.element.remove();
  tiles.delete(id);
  if (enlarged === id) {
    enlarged = undefined;
    grid.classList.remove("single");
  }
  setText("env-count", String(tiles.size));
}

function onFrame(f: FrameEvent): void {
  framesIn++;
  const t = tileFor(f);
  t.scene.update(f);
  if (f.success) t.successUntil = performance.now() + 600;
  t.label.textContent = `${f.task} · env ${f.envId}`;
  const reward = f.reward === null ? "" : ` · reward ${f.reward.toFixed(3)}`;
  const status = f.status === 2 ? " · terminated" : f.status === 3 ? " · truncated" : "";
  t.detail.textContent = `episode ${f.episode} · step ${f.step} · t ${f.simTime.toFixed(2)} s${reward}${f.success ? " · success" : ""}${status}`;
}

function render(): void {
  const width = grid.clientWidth;
  const height = grid.clientHeight;
  if (canvas.width !== width || canvas.height !== height) renderer.setSize(width, height, false);
  renderer.setScissor(0, 0, width, height);
  renderer.setClearColor(0xffffff);
  renderer.clear();
  const gridBox = grid.getBoundingClientRect();
  const now = performance.now();
  for (const t of tiles.values()) {
    t.element.classList.toggle("success", t.successUntil > now);
    const r = t.element.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) continue;
    const left = r.left - gridBox.left;
    const bottom = gridBox.bottom - r.bottom;
    renderer.setViewport(left, bottom, r.width, r.height);
    renderer.setScissor(left, bottom, r.width, r.height);
    t.scene.resize(r.width / r.height);
    renderer.render(t.scene.scene, t.scene.camera);
  }
  renderedFrames++;
  requestAnimationFrame(render);
}

function connect(): void {
  const events = new EventSource(`/events${location.search}`);
  events.addEventListener("open", () => {
    // The viewer replays the present on every (re)connection.
    for (const id of [...tiles.keys()]) removeTile(id);
  });
  events.addEventListener("error", () => setState(events.readyState === EventSource.CLOSED ? "viewer offline" : "reconnecting"));
  events.addEventListener("model", (e) => {
    const { key, model } = JSON.parse((e as MessageEvent).data) as { key: string; model: ViewModel };
    models.set(key, model);
  });
  events.addEventListener("frame", (e) => onFrame(JSON.parse((e as MessageEvent).data) as FrameEvent));
  events.addEventListener("gone", (e) => removeTile((JSON.parse((e as MessageEvent).data) as { id: string }).id));
  events.addEventListener("metrics", (e) => {
    const { records, reset } = JSON.parse((e as MessageEvent).data) as { records: Record<string, number | string>[]; reset: boolean };
    charts.add(records, reset);
  });
  events.addEventListener("status", (e) => {
    const s = JSON.parse((e as MessageEvent).data) as { state: string; target: string; serverEnvs: number; framesPerSecond: number; droppedUpstream: number; droppedHere: number; error?: string };
    setState(s.state);
    setText("target", s.target);
    setText("server-envs", s.serverEnvs >= 0 ? String(s.serverEnvs) : "?");
    setText("frames-in", String(s.framesPerSecond));
    setText("dropped", `${s.droppedUpstream} + ${s.droppedHere}`);
    $("state").title = s.error ?? "";
  });
}

setInterval(() => {
  setText("render-fps", String(renderedFrames));
  setText("page-frames", String(framesIn));
  renderedFrames = 0;
  framesIn = 0;
}, 1000);

connect();
requestAnimationFrame(render);
