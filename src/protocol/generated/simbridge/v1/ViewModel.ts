// Original file: proto/simbridge/v1/view.proto

import type { ViewGeom as _simbridge_v1_ViewGeom, ViewGeom__Output as _simbridge_v1_ViewGeom__Output } from '../../simbridge/v1/ViewGeom.js';

/**
 * How to draw the envs of one task (under its make options).
 */
export interface ViewModel {
  /**
   * Body names; body i is posed by row i of WatchFrame.body_poses. A body
   * that never moves (MuJoCo's "world") is still listed and posed.
   */
  'bodies'?: (string)[];
  /**
   * The geoms, each fixed to one body.
   */
  'geoms'?: (_simbridge_v1_ViewGeom)[];
  /**
   * Height at which goals with 2 values (x, y) are drawn: desired_goal,
   * achieved_goal and the annotation subgoal_target. Goals with 3 values
   * carry their own height.
   */
  'goal_z'?: (number | string);
  /**
   * Radius of the goal markers, in scene units.
   */
  'marker_radius'?: (number | string);
  /**
   * Where a camera should look first: x, y, z (empty: the origin).
   */
  'camera_target'?: (number | string)[];
  /**
   * How far from camera_target the camera starts (0: the viewer decides).
   */
  'camera_distance'?: (number | string);
  /**
   * A body the camera follows in x, y (a walking robot's torso), keeping its
   * offset from camera_target; 0: the camera stays put.
   */
  'follow_body'?: (number);
}

/**
 * How to draw the envs of one task (under its make options).
 */
export interface ViewModel__Output {
  /**
   * Body names; body i is posed by row i of WatchFrame.body_poses. A body
   * that never moves (MuJoCo's "world") is still listed and posed.
   */
  'bodies': (string)[];
  /**
   * The geoms, each fixed to one body.
   */
  'geoms': (_simbridge_v1_ViewGeom__Output)[];
  /**
   * Height at which goals with 2 values (x, y) are drawn: desired_goal,
   * achieved_goal and the annotation subgoal_target. Goals with 3 values
   * carry their own height.
   */
  'goal_z': (number);
  /**
   * Radius of the goal markers, in scene units.
   */
  'marker_radius': (number);
  /**
   * Where a camera should look first: x, y, z (empty: the origin).
   */
  'camera_target': (number)[];
  /**
   * How far from camera_target the camera starts (0: the viewer decides).
   */
  'camera_distance': (number);
  /**
   * A body the camera follows in x, y (a walking robot's torso), keeping its
   * offset from camera_target; 0: the camera stays put.
   */
  'follow_body': (number);
}
