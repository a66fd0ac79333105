/** Hostile input on the broker socket: raw bytes, malformed CONNECT lines, plain proxy requests. */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from 'node:net';
import { rig, type Rig } from './harness.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

function raw(socketPath: string, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createConnection(socketPath);
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(3000, () => s.destroy());
    s.end(data);
  });
}

describe('broker hostile input', () => {
  it('answers each malformed or unauthenticated request with an error and forwards nothing', async () => {
    r = await rig();
    const auth = `Proxy-Authorization: Bearer ${r.session.token}\r\n`;
    const cases: Array<[string, RegExp]> = [
      [`CONNECT api.test:${r.upstream.port} HTTP/1.1\r\nHost: x\r\n\r\n`, /^HTTP\/1.1 407/],
      [`CONNECT api.test:${r.upstream.port} HTTP/1.1\r\nProxy-Authorization: Basic !!!\r\n\r\n`, /^HTTP\/1.1 407/],
      [`CONNECT api.test HTTP/1.1\r\n${auth}\r\n`, /^HTTP\/1.1 400/],
      [`CONNECT api.test:99999999 HTTP/1.1\r\n${auth}\r\n`, /^HTTP\/1.1 (400|403)/],
      [`CONNECT a b:1 HTTP/1.1\r\n${auth}\r\n`, /^HTTP\/1.1 400/],
      [`CONNECT 169.254.169.254:80 HTTP/1.1\r\n${auth}\r\n`, /^HTTP\/1.1 403/],
      [
        `GET https://api.test:${r.upstream.port}/v1/messages HTTP/1.1\r\nHost: api.test\r\n${auth}\r\n`,
        /^HTTP\/1.1 405/,
      ],
      ['\x16\x03\x01\x00\xa5\x01\x00\x00\xa1garbage\r\n\r\n', /^HTTP\/1.1 400|^$/],
    ];
    for (const [input, expected] of cases)
      expect(await raw(r.session.socketPath, input), JSON.stringify(input)).toMatch(expected);
    expect(r.upstream.log).toHaveLength(0);
  });

  it('garbage inside an authenticated tunnel closes the tunnel and forwards nothing', async () => {
    r = await rig();
    const out = await new Promise<string>((resolve, reject) => {
      const s = createConnection(r!.session.socketPath);
      let buf = '';
      s.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        if (buf.includes('200 Connection Established')) s.write('this is not TLS\r\n\r\n');
      });
      s.on('close', () => resolve(buf));
      s.on('error', reject);
      s.setTimeout(3000, () => s.destroy());
      s.write(
        `CONNECT api.test:${r!.upstream.port} HTTP/1.1\r\nProxy-Authorization: Bearer ${r!.session.token}\r\n\r\n`,
      );
    });
    expect(out).toMatch(/^HTTP\/1.1 200/);
    expect(r.upstream.log).toHaveLength(0);
  });
});
