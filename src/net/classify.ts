/**
 * L10 address classification: is an address one an agent may reach on the open internet?
 *
 * Denylist of every special-purpose block in the IANA IPv4 and IPv6 special-purpose registries (current
 * and deprecated), plus multicast, reserved space and the cloud metadata addresses. IPv6 forms that carry
 * an IPv4 address (mapped) are judged by the IPv4 address inside; the translation and tunnelling
 * prefixes (IPv4-compatible, SIIT, NAT64, 6to4, Teredo) are refused as a whole, because where they lead
 * depends on a gateway's configuration, not on the address.
 */
import { formatIp, inPrefix, parseIp, type ParsedIp } from './ip.js';

export interface AddressVerdict {
  readonly global: boolean;
  /** Name of the rule that fired (e.g. `ipv4:private-10/8`), or `global`. */
  readonly rule: string;
  readonly address: string;
}

interface Range {
  readonly prefix: Uint8Array;
  readonly bits: number;
  readonly rule: string;
}

function range(cidr: string, rule: string): Range {
  const [addr, bits] = cidr.split('/') as [string, string];
  const ip = parseIp(addr);
  if (!ip) throw new RangeError(`bad CIDR in the L10 table: ${cidr}`);
  return { prefix: ip.bytes, bits: Number(bits), rule };
}

/** Cloud metadata services: checked first so the audit names them. */
const METADATA: readonly Range[] = [
  range('169.254.169.254/32', 'metadata:aws-gcp-azure-oci'),
  range('169.254.170.2/32', 'metadata:aws-ecs'),
  range('169.254.169.123/32', 'metadata:aws-time'),
  range('100.100.100.200/32', 'metadata:alibaba'),
  range('192.0.0.192/32', 'metadata:oracle-legacy'),
  range('fd00:ec2::254/128', 'metadata:aws-ipv6'),
  range('fd00:ec2::23/128', 'metadata:aws-ipv6-dns'),
];

const IPV4: readonly Range[] = [
  range('0.0.0.0/8', 'ipv4:this-network'),
  range('10.0.0.0/8', 'ipv4:private'),
  range('100.64.0.0/10', 'ipv4:cgnat'),
  range('127.0.0.0/8', 'ipv4:loopback'),
  range('169.254.0.0/16', 'ipv4:link-local'),
  range('172.16.0.0/12', 'ipv4:private'),
  range('192.0.0.0/24', 'ipv4:ietf-protocol-assignments'),
  range('192.0.2.0/24', 'ipv4:documentation'),
  range('192.31.196.0/24', 'ipv4:as112'),
  range('192.52.193.0/24', 'ipv4:amt'),
  range('192.88.99.0/24', 'ipv4:6to4-relay'),
  range('192.168.0.0/16', 'ipv4:private'),
  range('192.175.48.0/24', 'ipv4:as112'),
  range('198.18.0.0/15', 'ipv4:benchmarking'),
  range('198.51.100.0/24', 'ipv4:documentation'),
  range('203.0.113.0/24', 'ipv4:documentation'),
  range('224.0.0.0/4', 'ipv4:multicast'),
  range('240.0.0.0/4', 'ipv4:reserved'),
];

const IPV6_MAPPED = range('::ffff:0:0/96', 'ipv6:ipv4-mapped');

const IPV6: readonly Range[] = [
  range('::/128', 'ipv6:unspecified'),
  range('::1/128', 'ipv6:loopback'),
  range('::/96', 'ipv6:ipv4-compatible'),
  range('::ffff:0:0:0/96', 'ipv6:ipv4-translated'),
  range('64:ff9b::/96', 'ipv6:nat64'),
  range('64:ff9b:1::/48', 'ipv6:nat64-local'),
  range('100::/64', 'ipv6:discard'),
  range('2001::/32', 'ipv6:teredo'),
  range('2001:1::/48', 'ipv6:ietf-protocol-assignments'),
  range('2001:2::/48', 'ipv6:benchmarking'),
  range('2001:3::/32', 'ipv6:amt'),
  range('2001:4:112::/48', 'ipv6:as112'),
  range('2001:10::/28', 'ipv6:orchid'),
  range('2001:20::/28', 'ipv6:orchid-v2'),
  range('2001:30::/28', 'ipv6:drone-remote-id'),
  range('2001:db8::/32', 'ipv6:documentation'),
  range('2002::/16', 'ipv6:6to4'),
  range('2620:4f:8000::/48', 'ipv6:as112'),
  range('3fff::/20', 'ipv6:documentation'),
  range('5f00::/16', 'ipv6:srv6-sid'),
  range('fc00::/7', 'ipv6:unique-local'),
  range('fe80::/10', 'ipv6:link-local'),
  range('fec0::/10', 'ipv6:site-local'),
  range('ff00::/8', 'ipv6:multicast'),
];

function firstMatch(bytes: Uint8Array, table: readonly Range[]): string | undefined {
  for (const r of table) if (inPrefix(bytes, r.prefix, r.bits)) return r.rule;
  return undefined;
}

export function classifyIp(ip: ParsedIp): AddressVerdict {
  const address = formatIp(ip);
  const meta = firstMatch(ip.bytes, METADATA);
  if (meta) return { global: false, rule: meta, address };
  if (ip.family === 4) {
    const rule = firstMatch(ip.bytes, IPV4);
    return rule ? { global: false, rule, address } : { global: true, rule: 'global', address };
  }
  if (inPrefix(ip.bytes, IPV6_MAPPED.prefix, IPV6_MAPPED.bits)) {
    const inner = classifyIp({ family: 4, bytes: ip.bytes.slice(12) });
    return inner.global
      ? { global: true, rule: 'global', address }
      : { global: false, rule: `${IPV6_MAPPED.rule}(${inner.rule})`, address };
  }
  const rule = firstMatch(ip.bytes, IPV6);
  return rule ? { global: false, rule, address } : { global: true, rule: 'global', address };
}

/** Classifies an IP literal; undefined when the text is not an IP address. */
export function classifyAddressText(text: string): AddressVerdict | undefined {
  const ip = parseIp(text);
  return ip ? classifyIp(ip) : undefined;
}
