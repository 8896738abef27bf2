/** The signer against the golden vectors of shared/reference/wire-formats.md. */
import { describe, expect, it } from "vitest";
import { hexBodySignature, standardKeyBytes, standardSignature } from "../src/signing/signer";

describe("signer golden vectors", () => {
  it("Standard Webhooks v1: the spec's test vector", async () => {
    const sig = await standardSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}');
    expect(sig).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("sha256= (Djinn CI, GitHub style): the @octokit/webhooks-methods vector", async () => {
    const body = JSON.stringify({ foo: "bar" }, null, 2) + "\n";
    expect(`sha256=${await hexBodySignature("mysecret", body)}`).toBe(
      "sha256=e3eccac34c43c7dc1cbb905488b1b81347fcc700a7b025697a9d07862256023f",
    );
  });

  it("Standard Webhooks keys: decoded bytes after whsec_, UTF-8 bytes otherwise", async () => {
    expect(standardKeyBytes("whsec_AAEC")).toEqual(new Uint8Array([0, 1, 2]));
    expect(standardKeyBytes("plain-secret")).toEqual(new TextEncoder().encode("plain-secret"));
    // A UTF-8 secret signs exactly as its base64 under whsec_ does.
    const utf8 = "a-djinn-secret-of-some-length";
    const asWhsec = `whsec_${btoa(utf8)}`;
    expect(await standardSignature(utf8, "msg_1", 1, "{}")).toBe(await standardSignature(asWhsec, "msg_1", 1, "{}"));
  });

  it("a different secret, id, timestamp or body gives a different signature", async () => {
    const base = await standardSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1, "{}");
    expect(await standardSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx", "msg_1", 1, "{}")).not.toBe(base);
    expect(await standardSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_2", 1, "{}")).not.toBe(base);
    expect(await standardSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 2, "{}")).not.toBe(base);
    expect(await standardSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1, "{ }")).not.toBe(base);
  });
});
