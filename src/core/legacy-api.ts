/**
 * The shape of the old server API this app replaces, so people can paste its
 * requests and copy its responses:
 *   request  {"image_data": "<base64>"} or {"image_url": "..."}  (parsed in inputs/parse-text.ts)
 *   response {"code": 1, "message": "SUCCESS", "image_data": "<base64>"}
 *            {"code": 0, "message": "<what went wrong>", "image_data": null}
 * The page's "Copy as API response" and the server's /generate_thumbnail
 * (src/server/legacy/, LEGACY_API=1) both answer in it.
 */
export interface LegacyAnswer {
  code: 0 | 1;
  message: string;
  image_data: string | null;
}

export function legacySuccess(base64: string): LegacyAnswer {
  return { code: 1, message: 'SUCCESS', image_data: base64 };
}

export function legacyResponse(base64: string): string {
  return JSON.stringify(legacySuccess(base64));
}

export function legacyFailure(message: string): LegacyAnswer {
  return { code: 0, message, image_data: null };
}
