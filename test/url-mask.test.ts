/** Masking webhook URLs that are credentials (src/security/url-mask.ts). */
import { describe, expect, it } from "vitest";
import { maskUrl, shownUrl, urlIsSecret } from "../src/security/url-mask";

const SLACK = "https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstWXYZ";
const DISCORD = "https://discord.com/api/webhooks/123456789012345678/aBcDeFgHiJkLmNoPqRsTuVwXyZ_0123456789-tokn";

describe("url-mask", () => {
  it("keeps scheme, host and the first path segment, hides the rest but its last 4 characters", () => {
    expect(maskUrl(SLACK)).toBe("https://hooks.slack.com/services/…WXYZ");
    expect(maskUrl(DISCORD)).toBe("https://discord.com/api/…tokn");
    expect(maskUrl("http://127.0.0.1:8788/hooks/0123456789abcdefXYZW")).toBe("http://127.0.0.1:8788/hooks/…XYZW");
  });

  it("never shows the secret part: short ones entirely hidden, query and fragment too", () => {
    expect(maskUrl("https://chat.example.com/hooks/short")).toBe("https://chat.example.com/hooks/…");
    expect(maskUrl("https://chat.example.com/hooks?token=0123456789abcdef")).toBe("https://chat.example.com/…cdef");
    expect(maskUrl("https://chat.example.com/hooks/a?token=secret-token-value")).not.toContain("secret-token");
    // A lone segment may be the secret itself.
    expect(maskUrl("https://chat.example.com/0123456789abcdefSECR")).toBe("https://chat.example.com/…SECR");
    expect(maskUrl("https://chat.example.com/")).toBe("https://chat.example.com/");
  });

  it("drops credentials in the authority and masks what does not parse", () => {
    expect(maskUrl("https://user:p4ssw0rd@chat.example.com/hooks/x")).toBe("https://chat.example.com/hooks/…");
    expect(maskUrl("not a url/with/a/secret")).toBe("…");
  });

  it("masks for slack and discord and for a webhook that is gone, not for the other formats", () => {
    expect(urlIsSecret("slack")).toBe(true);
    expect(urlIsSecret("discord")).toBe(true);
    expect(urlIsSecret(null)).toBe(true);
    for (const f of ["standard", "djinn", "circleci", "puppet"]) expect(urlIsSecret(f)).toBe(false);
    expect(shownUrl(SLACK, "slack")).toBe("https://hooks.slack.com/services/…WXYZ");
    expect(shownUrl("https://ci.example.com/hooks/abc", "standard")).toBe("https://ci.example.com/hooks/abc");
  });

  it("masks a Slack or Discord URL whatever the webhook's format is now (a format switched after the attempt)", () => {
    expect(shownUrl(SLACK, "standard")).toBe("https://hooks.slack.com/services/…WXYZ");
    expect(shownUrl(DISCORD, "djinn")).toBe("https://discord.com/api/…tokn");
    expect(shownUrl(DISCORD.replace("discord.com", "discordapp.com"), "standard")).not.toContain("aBcDeF");
    expect(shownUrl("https://hooks.slack.com.example.net/x", "standard")).toBe("https://hooks.slack.com.example.net/x");
  });
});
