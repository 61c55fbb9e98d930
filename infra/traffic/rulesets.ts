import * as cloudflare from "@pulumi/cloudflare";
import { EDGE_ENTRY_POINTS } from "../../components/edgeHardening";

/**
 * A zone has one entry-point ruleset per phase. One made in the dashboard (or the Free Managed
 * Ruleset Cloudflare deploys on a Free zone) makes creating ours fail with "A similar configuration
 * with rules already exists". Before the update, the program lists the zone's rulesets and warns
 * about each such entry point, with the exact commands that adopt it (docs/first-deploy.md). A
 * warning, not an error: right after the import the ruleset still carries the dashboard's name
 * until this update renames it.
 */

export interface ZoneRuleset {
    readonly id: string;
    readonly kind: string;
    readonly phase: string;
    readonly name: string;
}

/** Where the EdgeHardening component of the traffic stack sits, for `pulumi import --parent`. */
export function edgeUrn(stack: string, project: string, component = "edge"): string {
    return `urn:pulumi:${stack}::${project}::blkout:platform:EdgeHardening::${component}`;
}

/** One message per existing zone entry point this stack would collide with, each with the commands that adopt it. */
export function entryPointConflicts(existing: readonly ZoneRuleset[], zoneId: string, stack: string, project: string, component = "edge"): string[] {
    return EDGE_ENTRY_POINTS.flatMap(({ phase, suffix, rulesetName }) => existing
        .filter(ruleset => ruleset.kind === "zone" && ruleset.phase === phase && ruleset.name !== rulesetName)
        .map(ruleset => `zone ${zoneId} already has the ${phase} entry-point ruleset ${ruleset.id} ("${ruleset.name}"), so creating `
            + `${component}-${suffix} will fail. Adopt it (cd infra/traffic): pulumi import --stack ${stack} --yes --generate-code=false `
            + `--parent 'edge=${edgeUrn(stack, project, component)}' 'cloudflare:index/ruleset:Ruleset' ${component}-${suffix} 'zones/${zoneId}/${ruleset.id}' `
            + "(the component exists once an update has started), then pulumi up; the dashboard's rules in it are replaced."));
}

/** The zone's rulesets, through the provider (read-only). */
export async function readZoneRulesets(zoneId: string): Promise<ZoneRuleset[]> {
    const result = await cloudflare.getRulesets({ zoneId });
    return result.rulesets.map(({ id, kind, phase, name }) => ({ id, kind, phase, name }));
}
