import type { ResourceValidationPolicy } from "@pulumi/policy";
import { resourcePolicy } from "./lib/define";
import { kindOf } from "./lib/pods";
import { peek } from "./lib/references";
import { recordOf, show } from "./lib/resources";
import { namespaceAllowance } from "./podSecurityAllowance";

/**
 * The namespace's own Pod Security labels: the admission controller enforces whatever they say, so
 * a namespace relabelled `privileged` (or a NamespacePatch doing it) turns every pod rule of the
 * cluster off, whatever the pack checks at preview.
 */

const MODES = ["enforce", "audit", "warn"] as const;

const namespacePodSecurity = resourcePolicy({
    name: "namespace-pod-security-restricted",
    description: "Every namespace enforces, audits and warns at Pod Security level \"restricted\", pinned to a version: a lower level or a missing enforce label lets the cluster admit privileged pods. The namespace of a named Pod Security allowance enforces exactly the level it names.",
    severity: "critical",
    remediationSteps: "Set pod-security.kubernetes.io/enforce, audit and warn to \"restricted\" (with *-version labels) on the namespace.",
    types: [],
    matches: type => kindOf(type) === "Namespace",
    check: (props, { args, fail }) => {
        const labels = recordOf(recordOf(props.metadata).labels);
        const patch = args.type.endsWith("Patch");
        // The namespace of a named Pod Security allowance enforces the level that admits it; it still
        // audits and warns at "restricted", and the pod rules hold everything in it to the allowance.
        const allowance = namespaceAllowance(recordOf(props.metadata));
        for (const mode of MODES) {
            const expected = mode === "enforce" && allowance ? allowance.namespaceEnforce : "restricted";
            const key = `pod-security.kubernetes.io/${mode}`;
            const value = key in labels ? peek(labels, key) : undefined;
            if (value === undefined && (patch || mode !== "enforce")) {
                continue;
            }
            if (value !== expected) {
                fail(`namespace "${args.name}" sets ${key} to ${show(value)}.`, `set ${key}: "${expected}"${allowance ? ` (Pod Security allowance "${allowance.name}")` : ""}.`);
            }
            const version = peek(labels, `${key}-version`);
            if (version !== undefined && !/^(latest|v1\.\d+)$/.test(String(version))) {
                fail(`namespace "${args.name}" sets ${key}-version to ${show(version)}.`, `set ${key}-version to the cluster's minor (e.g. v1.33) or latest.`);
            }
        }
    },
});

export const namespacePolicies: ResourceValidationPolicy[] = [namespacePodSecurity];
