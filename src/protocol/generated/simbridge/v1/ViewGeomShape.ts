// Original file: proto/simbridge/v1/view.proto

/**
 * Shapes of geoms, with MuJoCo's meaning of their sizes (ViewGeom.size).
 */
export const ViewGeomShape = {
  VIEW_GEOM_SHAPE_UNSPECIFIED: 0,
  /**
   * size [half x, half y] (0 = unbounded), the xy plane of the geom's frame.
   */
  VIEW_GEOM_SHAPE_PLANE: 1,
  /**
   * size [radius].
   */
  VIEW_GEOM_SHAPE_SPHERE: 2,
  /**
   * size [radius, half length], along the geom's z axis.
   */
  VIEW_GEOM_SHAPE_CAPSULE: 3,
  /**
   * size [radius x, radius y, radius z].
   */
  VIEW_GEOM_SHAPE_ELLIPSOID: 4,
  /**
   * size [radius, half height], along the geom's z axis.
   */
  VIEW_GEOM_SHAPE_CYLINDER: 5,
  /**
   * size [half x, half y, half z].
   */
  VIEW_GEOM_SHAPE_BOX: 6,
} as const;

/**
 * Shapes of geoms, with MuJoCo's meaning of their sizes (ViewGeom.size).
 */
export type ViewGeomShape =
  | 'VIEW_GEOM_SHAPE_UNSPECIFIED'
  | 0
  /**
   * size [half x, half y] (0 = unbounded), the xy plane of the geom's frame.
   */
  | 'VIEW_GEOM_SHAPE_PLANE'
  | 1
  /**
   * size [radius].
   */
  | 'VIEW_GEOM_SHAPE_SPHERE'
  | 2
  /**
   * size [radius, half length], along the geom's z axis.
   */
  | 'VIEW_GEOM_SHAPE_CAPSULE'
  | 3
  /**
   * size [radius x, radius y, radius z].
   */
  | 'VIEW_GEOM_SHAPE_ELLIPSOID'
  | 4
  /**
   * size [radius, half height], along the geom's z axis.
   */
  | 'VIEW_GEOM_SHAPE_CYLINDER'
  | 5
  /**
   * size [half x, half y, half z].
   */
  | 'VIEW_GEOM_SHAPE_BOX'
  | 6

/**
 * Shapes of geoms, with MuJoCo's meaning of their sizes (ViewGeom.size).
 */
export type ViewGeomShape__Output = typeof ViewGeomShape[keyof typeof ViewGeomShape]
