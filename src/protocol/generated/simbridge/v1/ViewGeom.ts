// Original file: proto/simbridge/v1/view.proto

import type { ViewGeomShape as _simbridge_v1_ViewGeomShape, ViewGeomShape__Output as _simbridge_v1_ViewGeomShape__Output } from '../../simbridge/v1/ViewGeomShape.js';

/**
 * One geom: a shape at a fixed pose in its body's frame.
 */
export interface ViewGeom {
  /**
   * Index into ViewModel.bodies.
   */
  'body'?: (number);
  'shape'?: (_simbridge_v1_ViewGeomShape);
  /**
   * Sizes as ViewGeomShape says (unused entries may be present).
   */
  'size'?: (number | string)[];
  /**
   * Position in the body's frame: x, y, z (empty: the origin).
   */
  'pos'?: (number | string)[];
  /**
   * Orientation in the body's frame, a unit quaternion w, x, y, z (empty:
   * identity).
   */
  'quat'?: (number | string)[];
  /**
   * Colour: red, green, blue, alpha in [0, 1] (empty: the viewer's grey).
   */
  'rgba'?: (number | string)[];
}

/**
 * One geom: a shape at a fixed pose in its body's frame.
 */
export interface ViewGeom__Output {
  /**
   * Index into ViewModel.bodies.
   */
  'body': (number);
  'shape': (_simbridge_v1_ViewGeomShape__Output);
  /**
   * Sizes as ViewGeomShape says (unused entries may be present).
   */
  'size': (number)[];
  /**
   * Position in the body's frame: x, y, z (empty: the origin).
   */
  'pos': (number)[];
  /**
   * Orientation in the body's frame, a unit quaternion w, x, y, z (empty:
   * identity).
   */
  'quat': (number)[];
  /**
   * Colour: red, green, blue, alpha in [0, 1] (empty: the viewer's grey).
   */
  'rgba': (number)[];
}
