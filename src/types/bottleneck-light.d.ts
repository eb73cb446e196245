// bottleneck/light.js is Bottleneck without its clustering (Redis) code, the build plugin-throttling itself
// imports; the package ships types for its main entry only.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
