import { PolicyPack } from "@pulumi/policy";
import { PACK_ENFORCEMENT, PACK_NAME, POLICIES } from "./catalogue";

// The pack's entry point for the Pulumi CLI (`pulumi preview --policy-pack policies`). Constructing
// a PolicyPack starts the analyzer's gRPC server, so nothing else may import this file: the offline
// preview and the tests run the same policies through `harness.ts`.
new PolicyPack(PACK_NAME, {
    policies: POLICIES,
    enforcementLevel: PACK_ENFORCEMENT,
    description: "blkout-platform: protected private data, safe clusters, restricted workloads, Cloudflare-only exposure, safe blue/green traffic.",
});
