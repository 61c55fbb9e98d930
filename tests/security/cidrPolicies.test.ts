import { gatewayService } from "../policies/compliant";
import { verdicts } from "../policies/helpers";

/**
 * The policy side of the one address library: the exposure rule reads ranges with the same
 * prefix-aware containment as the program, so a range wider than Cloudflare's is refused.
 */

describe("gateway-cloudflare-only with the one address library", () => {
    it.each([
        ["104.16.0.0/12", true], ["104.16.0.0/13", false], ["104.16.0.0/14", false], ["2606:4700::/31", true], ["2606:4700::/32", false],
        ["173.245.48.0/19", true], ["0.0.0.0/0", true], ["104.16.0.1", false],
    ])("%s refused: %s", async (range, refused) => {
        const found = await verdicts("gateway-cloudflare-only", [gatewayService([range])]);
        expect(found.map(v => v.message)).toEqual(refused ? [expect.stringMatching(/outside Cloudflare's ranges/)] : []);
    });
});
