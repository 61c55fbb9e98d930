import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { availabilityPolicies } from "./availability";
import { blueGreenPolicies } from "./blueGreen";
import { cloudflarePlanPolicies } from "./cloudflarePlan";
import { clusterPolicies } from "./cluster";
import { dataPolicies } from "./data";
import { dataRolePolicies } from "./dataRoles";
import { dataStackPolicies } from "./dataStack";
import { denyByDefaultPolicies } from "./denyByDefault";
import { edgePolicies } from "./edge";
import { edgeInvariantPolicies } from "./edgeInvariants";
import { edgeStackPolicies } from "./edgeStack";
import { exposurePolicies } from "./exposure";
import { gatewayTrustPolicies } from "./gatewayTrust";
import { namespacePolicies } from "./namespaces";
import { imageRegistryPolicies } from "./imageRegistry";
import { podBaselinePolicies } from "./podBaseline";
import { podSecurityPolicies } from "./podSecurity";
import { scalingPolicies } from "./scaling";
import { storagePolicies } from "./storage";
import { workloadPolicies } from "./workloads";

/**
 * Every policy of the pack, in one list. `index.ts` serves it as the CrossGuard pack; the harness
 * runs it offline. Importing this never starts a policy server.
 */
export const POLICIES: Policies = [
    ...dataPolicies,
    ...storagePolicies,
    ...dataStackPolicies,
    ...dataRolePolicies,
    ...clusterPolicies,
    ...podSecurityPolicies,
    ...podBaselinePolicies,
    ...workloadPolicies,
    ...scalingPolicies,
    ...availabilityPolicies,
    ...exposurePolicies,
    ...gatewayTrustPolicies,
    ...edgePolicies,
    ...edgeStackPolicies,
    ...edgeInvariantPolicies,
    ...cloudflarePlanPolicies,
    ...imageRegistryPolicies,
    ...blueGreenPolicies,
    ...denyByDefaultPolicies,
    ...namespacePolicies,
];

export const PACK_NAME = "blkout-platform";

/** The pack's default level; each policy states its own, and only a stated reason makes one advisory. */
export const PACK_ENFORCEMENT: EnforcementLevel = "mandatory";
