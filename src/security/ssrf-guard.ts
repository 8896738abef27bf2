/**
 * SSRF guard: decides whether a webhook URL may be called. Applied when a
 * webhook is created or updated and again right before every send.
 *
 * Hosts are judged after WHATWG URL parsing, which already rewrites numeric
 * IPv4 spellings (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`) into
 * dotted form and compresses IPv6, so each spelling is judged as the address
 * it means. A Worker cannot resolve DNS before fetch, so a public name that
 * resolves to a private address is beyond this check (see docs/security.md, SSRF guard).
 */

export type GuardVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export type GuardOptions = {
  /** Local development only: permit 127.0.0.0/8, ::1 and localhost. */
  allowLoopback: boolean;
  /** Local development: every port. Otherwise only 80, 443 and 1024-65535 (no SSH, SMTP, ... on a receiver). */
  development?: boolean;
};

type V4Range = [base: number, bits: number, label: string];

// IANA IPv4 special-purpose registry (RFC 6890 and successors).
const V4_BLOCKED: V4Range[] = [
  [ip4(0, 0, 0, 0), 8, "this network"],
  [ip4(10, 0, 0, 0), 8, "private"],
  [ip4(100, 64, 0, 0), 10, "shared address space (CGNAT)"],
  [ip4(127, 0, 0, 0), 8, "loopback"],
  [ip4(169, 254, 0, 0), 16, "link-local (cloud metadata)"],
  [ip4(172, 16, 0, 0), 12, "private"],
  [ip4(192, 0, 0, 0), 24, "IETF protocol assignments"],
  [ip4(192, 0, 2, 0), 24, "documentation"],
  [ip4(192, 31, 196, 0), 24, "AS112"],
  [ip4(192, 52, 193, 0), 24, "AMT"],
  [ip4(192, 88, 99, 0), 24, "6to4 relay"],
  [ip4(192, 168, 0, 0), 16, "private"],
  [ip4(192, 175, 48, 0), 24, "AS112"],
  [ip4(198, 18, 0, 0), 15, "benchmarking"],
  [ip4(198, 51, 100, 0), 24, "documentation"],
  [ip4(203, 0, 113, 0), 24, "documentation"],
  // Azure's platform endpoint (WireServer): reachable from Azure hosts only, never a receiver.
  [ip4(168, 63, 129, 16), 32, "cloud platform"],
  [ip4(224, 0, 0, 0), 4, "multicast"],
  [ip4(240, 0, 0, 0), 4, "reserved"],
  [ip4(255, 255, 255, 255), 32, "broadcast"],
];

const BLOCKED_NAMES = new Set([
  "localhost",
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
  "localhost.localdomain",
]);

/**
 * Names only a private network resolves (RFC 6762 .local, RFC 8375 .home.arpa,
 * ICANN's .internal, Kubernetes' .svc and .cluster.local), and the special-use
 * names of RFC 2606 / RFC 6761 (.test, .invalid, .example), RFC 7686 (.onion),
 * RFC 9476 (.alt) and the .arpa infrastructure zone: none is a receiver.
 */
const INTERNAL_SUFFIXES = [
  ".internal", ".local", ".localdomain", ".home.arpa", ".intranet", ".lan", ".corp",
  ".svc", ".cluster.local", ".test", ".invalid", ".example", ".arpa", ".onion", ".alt",
];

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function parseIPv4(host: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ip4(parts[0], parts[1], parts[2], parts[3]);
}

function inV4(addr: number, [base, bits]: V4Range): boolean {
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : (~0 << (32 - bits)) >>> 0;
  return (addr & mask) >>> 0 === (base & mask) >>> 0;
}

function judgeV4(addr: number, allowLoopback: boolean): string | null {
  if (allowLoopback && inV4(addr, [ip4(127, 0, 0, 0), 8, ""])) return null;
  const hit = V4_BLOCKED.find((r) => inV4(addr, r));
  return hit ? hit[2] : null;
}

/** Expands an IPv6 literal (no brackets) into 8 16-bit groups. */
function parseIPv6(host: string): number[] | null {
  let h = host;
  const groups: number[] = [];
  // A trailing dotted IPv4 part (WHATWG serializes it as hex, but be safe).
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  let tail: number[] = [];
  if (v4) {
    const a = parseIPv4(v4[1]);
    if (a === null) return null;
    tail = [a >>> 16, a & 0xffff];
    h = h.slice(0, -v4[1].length) + "0:0";
  }
  const halves = h.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const parse = (g: string) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN);
  const a = head.map(parse);
  const b = rest.map(parse);
  if ([...a, ...b].some(Number.isNaN)) return null;
  const fill = 8 - a.length - b.length;
  if (halves.length === 1 ? fill !== 0 : fill < 0) return null;
  groups.push(...a, ...new Array(fill).fill(0), ...b);
  if (tail.length) groups.splice(6, 2, ...tail);
  return groups;
}

function judgeV6(g: number[], allowLoopback: boolean): string | null {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  const embeddedV4 = ((g[6] << 16) | g[7]) >>> 0;
  if (zeroUpTo(8)) return "unspecified";
  if (zeroUpTo(7) && g[7] === 1) return allowLoopback ? null : "loopback";
  // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d: judged as IPv4.
  if (zeroUpTo(5) && g[5] === 0xffff) return judgeV4(embeddedV4, allowLoopback);
  if (zeroUpTo(6)) return judgeV4(embeddedV4, allowLoopback) ?? "IPv4-compatible";
  // IPv4-translated ::ffff:0:a.b.c.d (RFC 2765) carries an IPv4 address as well.
  if (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0) return judgeV4(embeddedV4, false);
  // NAT64 64:ff9b::/96 carries an IPv4 address too.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return judgeV4(embeddedV4, false);
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return "local NAT64";
  if (g[0] === 0x100 && g.slice(1, 4).every((x) => x === 0)) return "discard-only";
  if ((g[0] & 0xfe00) === 0xfc00) return "unique local (private)";
  if ((g[0] & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0] & 0xffc0) === 0xfec0) return "site-local";
  if ((g[0] & 0xff00) === 0xff00) return "multicast";
  // Only 2000::/3 is allocated as global unicast; the rest of the space is reserved.
  if ((g[0] & 0xe000) !== 0x2000) return "reserved";
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "documentation";
  if (g[0] === 0x2001 && g[1] < 0x200) return "IETF protocol assignments";
  // 6to4 2002::/16 embeds an IPv4 address in bits 16-47.
  if (g[0] === 0x2002) return judgeV4(((g[1] << 16) | g[2]) >>> 0, false);
  if (g[0] === 0x3fff && g[1] < 0x1000) return "documentation";
  return null;
}

function portAllowed(port: number): boolean {
  return port === 80 || port === 443 || (port >= 1024 && port <= 65535);
}

export function checkTargetUrl(input: string, opts: GuardOptions): GuardVerdict {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, reason: "is not a valid absolute URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, reason: "must use http or https" };
  if (url.username || url.password) return { ok: false, reason: "must not contain credentials" };
  if (!opts.development && url.port !== "" && !portAllowed(Number(url.port))) {
    return { ok: false, reason: "must use port 80 or 443 or 1024-65535" };
  }
  // One trailing dot is the DNS root; any other empty label (`a..b`, `10.0.0.1..`)
  // is not a name, and stripping dots until it looks like one would judge another host.
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (!host) return { ok: false, reason: "has no host" };
  if (!host.startsWith("[") && host.split(".").some((label) => label === "")) return { ok: false, reason: "has an empty label in its host name" };

  if (host.startsWith("[")) {
    const groups = parseIPv6(host.slice(1, -1));
    if (!groups) return { ok: false, reason: "has an invalid IPv6 address" };
    const why = judgeV6(groups, opts.allowLoopback);
    return why ? { ok: false, reason: `points at a ${why} address` } : { ok: true, url };
  }
  const v4 = parseIPv4(host);
  if (v4 !== null) {
    const why = judgeV4(v4, opts.allowLoopback);
    return why ? { ok: false, reason: `points at a ${why} address` } : { ok: true, url };
  }
  if (host === "localhost" || host.endsWith(".localhost")) {
    return opts.allowLoopback ? { ok: true, url } : { ok: false, reason: "points at localhost" };
  }
  if (BLOCKED_NAMES.has(host) || INTERNAL_SUFFIXES.some((s) => host.endsWith(s) || host === s.slice(1))) {
    return { ok: false, reason: "points at an internal host name" };
  }
  if (!host.includes(".")) return { ok: false, reason: "must use a fully qualified host name" };
  return { ok: true, url };
}
