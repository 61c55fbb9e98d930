import { MONITOR_TOKEN_HEADER } from "../../components/monitorAuth";
import { monitor } from "../policies/compliantEdge";
import { verdicts } from "../policies/helpers";

/** monitor-https accepts skipping chain validation only when the monitor authenticates (components/monitorAuth.ts). */

describe("monitor-https with the monitor trust model", () => {
    it("passes an insecure monitor that sends the colour's token and Host", async () => {
        const header = { Host: ["blue.blkoutuk.com"], [MONITOR_TOKEN_HEADER]: ["t".repeat(48)] };
        expect(await verdicts("monitor-https", [monitor("blue", { allowInsecure: true, header })])).toEqual([]);
    });

    it.each([
        ["no token", { Host: ["blue.blkoutuk.com"] }],
        ["no Host", { [MONITOR_TOKEN_HEADER]: ["t".repeat(48)] }],
    ])("refuses an insecure monitor with %s", async (_case, header) => {
        const found = await verdicts("monitor-https", [monitor("blue", { allowInsecure: true, header })]);
        expect(found.map(v => v.message)).toEqual([expect.stringMatching(/monitor "traffic-blue-monitor" accepts any certificate\. Fix: set allowInsecure: false, or send the colour's monitor token and Host headers\./)]);
    });
});
