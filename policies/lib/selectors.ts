import type { PolicyResource } from "@pulumi/policy";
import { peek } from "./references";
import { isRecord, listOf, recordOf } from "./resources";

/** Kubernetes label selectors, evaluated the way the API server does. */

function expressionMatches(expression: unknown, labels: Record<string, unknown>): boolean {
    const { key, operator, values } = recordOf(expression);
    const present = typeof key === "string" && key in labels;
    const value = present ? labels[key as string] : undefined;
    switch (operator) {
        case "In":
            return present && listOf(values).includes(value);
        case "NotIn":
            return !present || !listOf(values).includes(value);
        case "Exists":
            return present;
        case "DoesNotExist":
            return !present;
        default:
            return false;
    }
}

/**
 * True when `selector` selects pods labelled `labels`. An empty selector selects everything (as in
 * a NetworkPolicy's podSelector: {}); a missing one selects nothing.
 */
export function selectorMatches(selector: unknown, labels: Record<string, unknown>): boolean {
    if (!isRecord(selector)) {
        return false;
    }
    const matchLabels = recordOf(selector.matchLabels);
    return Object.entries(matchLabels).every(([key, value]) => labels[key] === value)
        && listOf(selector.matchExpressions).every(expression => expressionMatches(expression, labels));
}

/**
 * The namespace of a Kubernetes object. A namespace taken from a Namespace resource is unknown at
 * preview; every object that took it from the same place compares equal (both undefined), which is
 * the platform's one-namespace layout.
 */
export function namespaceOf(resource: PolicyResource): unknown {
    return peek(recordOf(resource.props.metadata), "namespace");
}

export function sameNamespace(a: PolicyResource, b: PolicyResource): boolean {
    return namespaceOf(a) === namespaceOf(b);
}
