import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatIp, parseIp, parseIpv4, parseIpv6 } from '../../src/net/ip.js';
import { classifyAddressText } from '../../src/net/classify.js';

const v4 = (s: string) => Array.from(parseIpv4(s) ?? []).join('.');

describe('IPv4 forms (WHATWG) are normalised, never misread', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0177.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['0x7f.0x0.0x0.0x1', '127.0.0.1'],
    ['0251.00376.000251.0000376', '169.254.169.254'],
    ['0xA9FEA9FE', '169.254.169.254'],
    ['0', '0.0.0.0'],
    ['10.0.0.01', '10.0.0.1'],
    ['1.2.3.4.', '1.2.3.4'],
  ])('%s → %s', (text, dotted) => expect(v4(text)).toBe(dotted));

  it.each([
    '425.510.425.510',
    '7147006462',
    '0x41414141A9FEA9FE',
    '1.2.3.4.5',
    '08.1.1.1',
    '1..2.3',
    '',
    'a.b.c.d',
    '1.2.3.256',
    '99999999999999999999',
  ])('refuses %j', (text) => expect(parseIpv4(text)).toBeUndefined());

  it('every encoding of a random address parses to the same bytes and the same verdict', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const bytes = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
        const dotted = bytes.join('.');
        const forms = [
          String(n),
          `0x${n.toString(16)}`,
          `0${n.toString(8)}`,
          bytes.map((b) => `0x${b.toString(16)}`).join('.'),
          bytes.map((b) => `0${b.toString(8)}`).join('.'),
          `${bytes[0]}.${(n & 0xffffff) >>> 0}`,
        ];
        const expected = classifyAddressText(dotted);
        for (const f of forms) {
          expect(v4(f)).toBe(dotted);
          expect(classifyAddressText(f)).toEqual(expected);
        }
      }),
    );
  });
});

describe('IPv6 parsing', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['2001:db8::1', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('%s → %s', (text, out) => expect(formatIp({ family: 6, bytes: parseIpv6(text) as Uint8Array })).toBe(out));

  it.each([
    '100::ffff::',
    '::ffff:0.0.255.255.255',
    '::ffff:0.255.255.255.255',
    '1:2:3:4:5:6:7:8:9',
    '1.2.3.4::',
    'g::1',
    ':::',
    '1:2:3:4:5:6:7',
    '::ffff:01.2.3.4',
    '%eth0',
  ])('refuses %j', (text) => expect(parseIpv6(text)).toBeUndefined());
});

describe('L10 classification', () => {
  it.each([
    ['127.0.0.1', 'ipv4:loopback'],
    ['10.1.2.3', 'ipv4:private'],
    ['172.31.255.255', 'ipv4:private'],
    ['192.168.1.1', 'ipv4:private'],
    ['100.64.0.1', 'ipv4:cgnat'],
    ['100.100.100.200', 'metadata:alibaba'],
    ['169.254.169.254', 'metadata:aws-gcp-azure-oci'],
    ['169.254.1.1', 'ipv4:link-local'],
    ['0.1.2.3', 'ipv4:this-network'],
    ['224.0.0.1', 'ipv4:multicast'],
    ['255.255.255.255', 'ipv4:reserved'],
    ['198.18.0.1', 'ipv4:benchmarking'],
    ['fd00:ec2::254', 'metadata:aws-ipv6'],
    ['fd12::1', 'ipv6:unique-local'],
    ['fe80::1', 'ipv6:link-local'],
    ['ff02::1', 'ipv6:multicast'],
    ['::ffff:169.254.169.254', 'ipv6:ipv4-mapped(metadata:aws-gcp-azure-oci)'],
    ['::ffff:7f00:1', 'ipv6:ipv4-mapped(ipv4:loopback)'],
    ['::127.0.0.1', 'ipv6:ipv4-compatible'],
    ['64:ff9b::a9fe:a9fe', 'ipv6:nat64'],
    ['2002:a9fe:a9fe::1', 'ipv6:6to4'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'ipv6:teredo'],
  ])('%s is not global (%s)', (text, rule) => {
    const v = classifyAddressText(text);
    expect(v?.global).toBe(false);
    expect(v?.rule).toBe(rule);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '140.82.121.4',
    '2606:4700::6810:84e5',
    '2a00:1450:4001:82b::200e',
    '::ffff:8.8.8.8',
    '100.128.0.1',
    '172.32.0.1',
  ])('%s is global', (text) => expect(classifyAddressText(text)?.global).toBe(true));

  it('round-trips formatting for random IPv6 addresses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatIp({ family: 6, bytes });
        expect(Array.from(parseIp(text)?.bytes ?? [])).toEqual(Array.from(bytes));
      }),
    );
  });
});
