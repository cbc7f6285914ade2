/// <reference types="vite-plugin-pwa/vanillajs" />

/** The app's version (package.json, plus THUMBNAIL_BUILD when set): vite.config.ts defines it. */
declare const __APP_VERSION__: string;
