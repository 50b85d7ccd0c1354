/**
 * One env's 3-D scene: one three.js group per body (poses copied from the
 * frame's body poses, as the MuJoCo WebAssembly demos copy xpos/xquat), the
 * geoms of its view model, and markers for the desired goal (green), the
 * achieved goal (blue) and a hierarchical agent's subgoal (orange). A task
 * without a view model gets a floor and the markers alone.
 */
import * as THREE from "sb-three";
import { Z_UP_ROOT_ROTATION_X, wxyzToXyzw, zUpToYUp } from "./z-up.js";

export interface ViewGeom {
  body: number;
  shape: number;
  size: number[];
  pos: number[];
  quat: number[];
  rgba: number[];
}

export interface ViewModel {
  bodies: string[];
  geoms: ViewGeom[];
  goal_z: number;
  marker_radius: number;
  camera_target: number[];
  camera_distance: number;
  follow_body?: number;
}

export interface FrameEvent {
  id: string;
  task: string;
  envId: number;
  episode: number;
  step: number;
  simTime: number;
  status: number;
  reward: number | null;
  success: boolean;
  dropped: number;
  key: string;
  poses: number[] | null;
  goal: number[] | null;
  achieved: number[] | null;
  subgoal: number[] | null;
}

const PLANE = 1, SPHERE = 2, CAPSULE = 3, ELLIPSOID = 4, CYLINDER = 5, BOX = 6;

function geometryOf(g: ViewGeom, extent: number): any {
  const [a = 0, b = 0, c = 0] = g.size;
  switch (g.shape) {
    case PLANE:
      return new THREE.PlaneGeometry(2 * (a || extent), 2 * (b || extent));
    case SPHERE:
      return new THREE.SphereGeometry(a, 24, 16);
    case CAPSULE:
      return new THREE.CapsuleGeometry(a, 2 * b, 8, 16).rotateX(Math.PI / 2);
    case ELLIPSOID:
      return new THREE.SphereGeometry(1, 24, 16).scale(a, b, c);
    case CYLINDER:
      return new THREE.CylinderGeometry(a, a, 2 * b, 24).rotateX(Math.PI / 2);
    case BOX:
      return new THREE.BoxGeometry(2 * a, 2 * b, 2 * c);
    default:
      return undefined;
  }
}

function marker(colour: number, radius: number, opacity: number): any {
  const m = new THREE.Mesh(new THREE.SphereGeometry(radius, 20, 14), new THREE.MeshStandardMaterial({ color: colour, transparent: opacity < 1, opacity, emissive: colour, emissiveIntensity: 0.35 }));
  m.visible = false;
  return m;
}

export class EnvScene {
  readonly scene = new THREE.Scene();
  readonly camera = new THREE.PerspectiveCamera(45, 1, 0.01, 500);
  private readonly root = new THREE.Group();
  private readonly bodies: any[] = [];
  private readonly goal: any;
  private readonly achieved: any;
  private readonly subgoal: any;
  private readonly goalZ: number;
  /** The camera's offset from the followed body (three.js coordinates), when it follows one. */
  private readonly followOffset: any;
  private readonly lookAt: any;

  constructor(readonly model: ViewModel | undefined) {
    this.scene.background = new THREE.Color(0xf4f6f8);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x8090a0, 1.6));
    const sun = new THREE.DirectionalLight(0xffffff, 1.6);
    sun.position.set(3, 10, 4);
    this.scene.add(sun);
    this.root.rotation.x = Z_UP_ROOT_ROTATION_X;
    this.scene.add(this.root);
    const distance = model?.camera_distance || this.autoDistance();
    const target = model?.camera_target?.length ? model.camera_target : [0, 0, 0];
    for (let b = 0; b < (model?.bodies.length ?? 0); b++) {
      const group = new THREE.Group();
      this.bodies.push(group);
      this.root.add(group);
    }
    for (const g of model?.geoms ?? []) {
      const geometry = geometryOf(g, 4 * distance);
      if (!geometry || !this.bodies[g.body]) continue;
      const [r = 0.5, gr = 0.5, bl = 0.5, alpha = 1] = g.rgba.length ? g.rgba : [];
      const material = new THREE.MeshStandardMaterial({ color: new THREE.Color(r, gr, bl), transparent: alpha < 1, opacity: alpha, roughness: 0.7, metalness: 0.05 });
      const mesh = new THREE.Mesh(geometry, material);
      mesh.position.set(g.pos[0] ?? 0, g.pos[1] ?? 0, g.pos[2] ?? 0);
      mesh.quaternion.set(...wxyzToXyzw(g.quat.length ? g.quat : [1, 0, 0, 0]));
      this.bodies[g.body].add(mesh);
    }
    if (!model) {
      const floor = new THREE.Mesh(new THREE.PlaneGeometry(4, 4), new THREE.MeshStandardMaterial({ color: 0xdde2dd }));
      this.root.add(floor);
    }
    const radius = model?.marker_radius || 0.05;
    this.goalZ = model?.goal_z ?? 0;
    this.goal = marker(0x20b040, radius, 0.9);
    this.achieved = marker(0x2060e0, radius * 0.7, 0.75);
    this.subgoal = marker(0xff8c1a, radius * 0.8, 0.85);
    this.root.add(this.goal, this.achieved, this.subgoal);
    // A camera above and in front of the target, looking down at it (z-up: from −y, up along z).
    const eye = [target[0]! + 0.35 * distance, target[1]! - 0.75 * distance, target[2]! + 0.6 * distance];
    this.camera.position.set(...zUpToYUp(eye));
    this.lookAt = new THREE.Vector3(...zUpToYUp(target));
    this.camera.lookAt(this.lookAt);
    this.followOffset = this.camera.position.clone().sub(this.lookAt);
  }

  /** The distance that frames the model's non-plane geoms (3 for a model without them). */
  private autoDistance(): number {
    let extent = 0;
    for (const g of this.model?.geoms ?? []) {
      if (g.shape === PLANE) continue;
      extent = Math.max(extent, Math.hypot(g.pos[0] ?? 0, g.pos[1] ?? 0) + Math.max(...g.size));
    }
    return extent > 0 ? 3 * extent : 3;
  }

  update(f: FrameEvent): void {
    const p = f.poses;
    if (p) {
      for (let b = 0; b < this.bodies.length && 7 * b + 6 < p.length; b++) {
        const k = 7 * b;
        this.bodies[b].position.set(p[k], p[k + 1], p[k + 2]);
        this.bodies[b].quaternion.set(...wxyzToXyzw(p.slice(k + 3, k + 7)));
      }
    }
    const follow = this.model?.follow_body ?? 0;
    if (p && follow > 0 && 7 * follow + 2 < p.length) {
      // Follow in x, y only: the camera's height stays, so a falling robot is seen falling.
      const [x, , z] = zUpToYUp([p[7 * follow], p[7 * follow + 1], 0]);
      this.lookAt.x = x;
      this.lookAt.z = z;
      this.camera.position.copy(this.lookAt).add(this.followOffset);
      this.camera.lookAt(this.lookAt);
    }
    this.place(this.goal, f.goal);
    this.place(this.achieved, f.achieved);
    this.place(this.subgoal, f.subgoal);
  }

  private place(m: any, v: number[] | null): void {
    m.visible = v !== null && v.length >= 2;
    if (m.visible) m.position.set(v![0], v![1], v!.length > 2 ? v![2] : this.goalZ);
  }

  resize(aspect: number): void {
    if (Math.abs(this.camera.aspect - aspect) > 1e-3) {
      this.camera.aspect = aspect;
      this.camera.updateProjectionMatrix();
    }
  }
}
