import type { EnforcementLevel, Severity } from "@pulumi/policy";

/** One policy verdict against a resource or a stack, as the harness and the cross-stack checks report it. */
export interface PolicyViolation {
    readonly policyName: string;
    /** The resource at fault; absent when the stack as a whole is. */
    readonly resourceUrn?: string;
    readonly resourceName?: string;
    /** The stack the verdict is about (from the URN, or the summary checked). */
    readonly stack?: string;
    /**
     * The level the engine would report: the policy's configured level, or "advisory" when the
     * policy could not run at preview (see `unknownAtPreview`).
     */
    readonly enforcementLevel: EnforcementLevel;
    readonly severity: Severity;
    /** What is wrong and how to fix it. */
    readonly message: string;
    /**
     * Set when the policy read a value that is unknown until the update runs. The engine then
     * downgrades the verdict to advisory and the rule is not enforced at preview, so a
     * `configuredLevel` of "mandatory" here is a gap in protection, not a pass.
     */
    readonly unknownAtPreview?: { readonly path: string; readonly configuredLevel: EnforcementLevel };
}

/** Verdicts that stop a deployment, plus mandatory rules the engine could not enforce at preview. */
export function blocking(violations: readonly PolicyViolation[]): PolicyViolation[] {
    return violations.filter(violation => violation.enforcementLevel === "mandatory" || violation.unknownAtPreview?.configuredLevel === "mandatory");
}
