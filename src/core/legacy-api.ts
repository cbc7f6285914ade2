/**
 * The shape of the old server API this app replaces, so people can paste its
 * requests and copy its responses:
 *   request  {"image_data": "<base64>"} or {"image_url": "..."}  (parsed in inputs/parse-text.ts)
 *   response {"code": 1, "message": "SUCCESS", "image_data": "<base64>"}
 */
export function legacyResponse(base64: string): string {
  return JSON.stringify({ code: 1, message: 'SUCCESS', image_data: base64 });
}
