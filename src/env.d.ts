/// <reference types="vite-plugin-pwa/vanillajs" />

/** The app's version (package.json, plus THUMBNAIL_BUILD when set): vite.config.ts defines it. */
declare const __APP_VERSION__: string;

/** libheif-js ships types for its CommonJS build only; heic.ts declares what it uses of this one. */
declare module 'libheif-js/libheif-wasm/libheif-bundle.mjs' {
  const factory: (options?: object) => unknown;
  export default factory;
}
