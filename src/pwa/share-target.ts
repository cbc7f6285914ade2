/**
 * Where the share sheet sends images shared to the installed app (the manifest's
 * share_target): plain values, read by the manifest, the service worker, the page
 * and the server.
 */
export const SHARE_TARGET_PATH = '/share-target';
/** The multipart field the manifest's share_target names for the files. */
export const SHARE_TARGET_FIELD = 'images';
/** The page's query parameter: the share's id, or one of the SHARE_FAILED reasons. */
export const SHARE_PARAM = 'share';
export const SHARE_FAILED = { empty: 'empty', unreadable: 'unreadable', noWorker: 'no-service-worker', otherSite: 'other-site' } as const;
