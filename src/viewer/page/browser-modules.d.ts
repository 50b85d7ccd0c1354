// The page's libraries, served from node_modules under the names the page's
// import map gives them (index.html). Typed loosely on purpose: the page uses
// a handful of their calls, and the browser test checks what it draws.
declare module "sb-three" {
  const THREE: any;
  export = THREE;
}
declare module "sb-orbit" {
  export const OrbitControls: any;
}
declare module "sb-uplot" {
  const uPlot: any;
  export default uPlot;
}
