/**
 * The baseline every browser benchmark compares against: the browser's own canvas
 * path in a worker (createImageBitmap, drawImage scaled at 'high', convertToBlob),
 * what a hand-written thumbnailer does. One definition, so bench/routes.bench.ts and
 * bench/engines.bench.ts measure the same thing. Started from a blob URL; it takes
 * `{ bytes: ArrayBuffer, type, width, height, outType, quality }` and answers
 * `{ ms, out }` (time inside the worker, the encoded thumbnail, transferred).
 */
export const CANVAS_WORKER = `
self.onmessage = async ({ data: { bytes, type, width, height, outType, quality } }) => {
  const started = performance.now();
  const bitmap = await createImageBitmap(new Blob([bytes], { type }));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const blob = await canvas.convertToBlob({ type: outType, quality });
  const out = await blob.arrayBuffer();
  self.postMessage({ ms: performance.now() - started, out }, [out]);
};`;
