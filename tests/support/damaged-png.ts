import { crc32, deflateSync } from 'node:zlib';

/**
 * A PNG whose header and chunk checksums are valid but whose compressed pixel data
 * is damaged halfway: the probe passes, and the decoder fails only after
 * allocating the whole image. That is the failure jSquash's PNG decoder leaks its
 * memory on (~3.4 MB per failure at 1200×900), which the Node pool's recycling must contain.
 */
export function damagedPng(width = 1200, height = 900): Uint8Array {
  const row = 1 + width * 3;
  const raw = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) for (let x = 1; x < row; x++) raw[y * row + x] = (x * 7 + y * 13) & 255;
  const idat = Buffer.from(deflateSync(raw, { level: 1 }));
  for (let i = Math.floor(idat.length / 2); i < Math.floor(idat.length / 2) + 64; i++) idat[i] = idat[i]! ^ 0xa5;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return new Uint8Array(Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]));
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}
