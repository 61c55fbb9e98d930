import { checkBlueGreen, ColourStackSummary } from "../../policies/crossStack";

const blue: ColourStackSummary = { stack: "organization/blkout-platform/blue", colour: "blue", mode: "active", dataRole: "owner", weight: 100 };
const green: ColourStackSummary = { stack: "organization/blkout-platform/green", colour: "green", mode: "standby", dataRole: "follower", ownerStack: "organization/blkout-platform/blue", weight: 0 };
const names = (summaries: readonly ColourStackSummary[], previous?: readonly ColourStackSummary[]) => checkBlueGreen(summaries, previous).map(v => v.policyName);

describe("blue/green invariants across stacks", () => {
    it("accepts one owner, a follower of it, and traffic only on the active colour", () => {
        expect(checkBlueGreen([blue, green])).toEqual([]);
        // A short stack name matches the owner's fully qualified one.
        expect(checkBlueGreen([{ ...blue, weight: 80 }, { ...green, mode: "active", weight: 20, ownerStack: "blue" }])).toEqual([]);
    });

    it("refuses two owners, and no owner", () => {
        expect(checkBlueGreen([blue, { ...green, dataRole: "owner" }])).toEqual([expect.objectContaining({
            policyName: "exactly-one-data-owner", enforcementLevel: "mandatory", message: expect.stringMatching(/^blue and green each own the data; exactly one colour must\. Fix:/),
        })]);
        expect(names([{ ...blue, dataRole: "follower", ownerStack: "green" }, green])).toEqual(["exactly-one-data-owner", "follower-references-owner", "follower-references-owner"]);
    });

    it("refuses a follower whose owner stack does not exist", () => {
        expect(checkBlueGreen([blue, { ...green, ownerStack: "organization/blkout-platform/purple" }])).toEqual([expect.objectContaining({
            policyName: "follower-references-owner", stack: green.stack, message: expect.stringMatching(/green follows "organization\/blkout-platform\/purple", which does not exist/),
        })]);
        expect(names([blue, { ...green, ownerStack: undefined }])).toEqual(["follower-references-owner"]);
    });

    it("refuses weight on a standby colour", () => {
        expect(checkBlueGreen([{ ...blue, weight: 95 }, { ...green, weight: 5 }])).toEqual([expect.objectContaining({
            policyName: "weight-only-to-active-colours", message: expect.stringMatching(/5 % of traffic would go to green, which is in standby/),
        })]);
    });

    it("names the standby move, not the weights, when a weighted colour is being set to standby", () => {
        const before = [{ ...blue, weight: 50 }, { ...green, mode: "active" as const, weight: 50 }];
        const after = [{ ...blue, weight: 50 }, { ...green, weight: 50 }];
        expect(checkBlueGreen(after, before)).toEqual([expect.objectContaining({
            policyName: "weighted-colour-stays-active", message: expect.stringMatching(/green carries 50 % of traffic and cannot go to standby/),
        })]);
        expect(names(after.map(s => (s.colour === "green" ? { ...s, weight: 60 } : { ...s, weight: 40 })), before))
            .toEqual(["weighted-colour-stays-active", "weight-only-to-active-colours"]);
    });
});
