/**
 * The committed form of the classifier's bucket weights: int8 values with one scale, stored sparsely as
 * (index delta as unsigned LEB128, int8 value) pairs in base64. About 2 bytes per non-zero bucket.
 */

export function encodeWeights(w: Float32Array): { scale: number; data: string } {
  let max = 0;
  for (const v of w) max = Math.max(max, Math.abs(v));
  const scale = max > 0 ? max / 127 : 1;
  const bytes: number[] = [];
  let last = -1;
  for (let i = 0; i < w.length; i++) {
    const q = Math.round((w[i] ?? 0) / scale);
    if (q === 0) continue;
    let delta = i - last;
    last = i;
    while (delta >= 0x80) {
      bytes.push((delta & 0x7f) | 0x80);
      delta >>>= 7;
    }
    bytes.push(delta);
    bytes.push(q & 0xff);
  }
  return { scale, data: Buffer.from(bytes).toString('base64') };
}

/** Dense weights from the committed form; throws (with the fix) when the data does not fit `size` buckets. */
export function decodeWeights(encoded: { scale: number; data: string }, size: number): Float32Array {
  const bytes = Buffer.from(encoded.data, 'base64');
  const w = new Float32Array(size);
  let i = -1;
  let p = 0;
  while (p < bytes.length) {
    let delta = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[p++] ?? 0;
      delta |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && p < bytes.length);
    i += delta;
    const q = bytes[p++] ?? 0;
    if (i >= size)
      throw new Error(`classifier weights address bucket ${i} of ${size}: retrain with npm run train:classifier`);
    w[i] = (q > 127 ? q - 256 : q) * encoded.scale;
  }
  return w;
}
