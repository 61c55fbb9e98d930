import { API_NAMES } from "../../components/platformNames";
import type { ColourConfig } from "./colourConfig";
import {
    COMMON_COOKIES, DATABASE_SIZES, DROPLET_SIZES, GATEWAY_IMAGE_SOURCES, HEALTH_PATH, KUBERNETES_MINORS, MOVING_TAG_WORDS,
    PLATFORM_REGISTRY, postgresConnectionLimit, STANDARD_HEADERS, TABLES_CHECKED_ON,
} from "./valueTables";

/**
 * Values checked against what the providers really accept and what the components really expect,
 * once the config has the right shape. Each problem names its key.
 */

const tableNote = `(DigitalOcean's slugs as of ${TABLES_CHECKED_ON}; infra/config/valueTables.ts)`;

function slugProblem(key: string, value: string, table: readonly string[]): string[] {
    return table.includes(value) ? [] : [`${key}: "${value}" is not a size DigitalOcean offers ${tableNote}`];
}

/** Millicores of a CPU quantity ("250m", "1", "1.5"). */
export function millicores(quantity: string): number {
    return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}

/** MiB of a memory quantity ("256Mi", "1Gi"). */
export function mebibytes(quantity: string): number {
    return quantity.endsWith("Gi") ? Number(quantity.slice(0, -2)) * 1024 : Number(quantity.slice(0, -2));
}

/** The tag of an image reference (after the last `:` of its last path segment), if any. */
function tagOf(image: string): string | undefined {
    const last = image.split("@")[0].split("/").pop() ?? "";
    const at = last.indexOf(":");
    return at < 0 ? undefined : last.slice(at + 1);
}

/** Why a tag moves over time, if it does: a moving word as any part of it, or no version number at all. */
export function movingTagProblem(image: string): string | undefined {
    const tag = tagOf(image);
    if (tag === undefined) {
        return undefined;
    }
    const parts = tag.toLowerCase().split(/[._-]/);
    const word = MOVING_TAG_WORDS.find(moving => parts.includes(moving));
    if (word !== undefined) {
        return `the tag "${tag}" is a moving tag ("${word}" is re-pointed at new builds); pin a version like 1.27.3`;
    }
    return /\d/.test(tag) ? undefined : `the tag "${tag}" names no version, so it moves; pin a version like 1.27.3`;
}

function imageProblems(key: string, image: string, sources: readonly string[], sourceText: string): string[] {
    const problems: string[] = [];
    if (!sources.some(source => image.startsWith(source))) {
        problems.push(`${key}: "${image}" is not from ${sourceText}`);
    }
    const moving = movingTagProblem(image);
    if (moving !== undefined) {
        problems.push(`${key}: ${moving}`);
    }
    return problems;
}

function resourceProblems(key: string, api: ColourConfig["apis"][keyof ColourConfig["apis"]]): string[] {
    const problems: string[] = [];
    if (millicores(api.cpuLimit) <= 0) {
        problems.push(`${key}.cpuLimit: must be above 0, got "${api.cpuLimit}"`);
    } else if (millicores(api.cpuRequest) > millicores(api.cpuLimit)) {
        problems.push(`${key}.cpuRequest: "${api.cpuRequest}" is above ${key}.cpuLimit "${api.cpuLimit}" (Kubernetes refuses such a pod)`);
    }
    if (mebibytes(api.memoryLimit) <= 0) {
        problems.push(`${key}.memoryLimit: must be above 0, got "${api.memoryLimit}" (the container would be killed at start)`);
    } else if (mebibytes(api.memoryRequest) > mebibytes(api.memoryLimit)) {
        problems.push(`${key}.memoryRequest: "${api.memoryRequest}" is above ${key}.memoryLimit "${api.memoryLimit}" (Kubernetes refuses such a pod)`);
    }
    if (millicores(api.cpuRequest) <= 0) {
        problems.push(`${key}.cpuRequest: must be above 0, got "${api.cpuRequest}"`);
    }
    if (mebibytes(api.memoryRequest) <= 0) {
        problems.push(`${key}.memoryRequest: must be above 0, got "${api.memoryRequest}"`);
    }
    return problems;
}

function dataProblems(cfg: ColourConfig): string[] {
    const data = cfg.data;
    if (data.role === "follower") {
        return Object.hasOwn(DATABASE_SIZES, data.replicaSize) ? [] : slugProblem("data.replicaSize", data.replicaSize, Object.keys(DATABASE_SIZES));
    }
    const dbSlugs = Object.keys(DATABASE_SIZES);
    // A candidate's own cluster has no replica of its own: its replicaSize is the follower replica of the owner's primary.
    const replicaKey = data.role === "candidate" ? "data.replicaSize" : "data.postgres.replicaSize";
    const replicaSlug = data.role === "candidate" ? data.replicaSize : data.postgres.replicaSize;
    const problems = [
        ...slugProblem("data.postgres.size", data.postgres.size, dbSlugs),
        ...slugProblem(replicaKey, replicaSlug, dbSlugs),
        ...slugProblem("data.valkey.size", data.valkey.size, dbSlugs),
    ];
    const primary = DATABASE_SIZES[data.postgres.size];
    const replica = DATABASE_SIZES[data.postgres.replicaSize];
    if (data.role === "owner" && primary && replica && replica.memoryGiB < primary.memoryGiB) {
        problems.push(`data.postgres.replicaSize: "${data.postgres.replicaSize}" is smaller than the primary's "${data.postgres.size}"; a replica that cannot keep up lags and serves stale reads`);
    }
    const limit = postgresConnectionLimit(data.postgres.size);
    const pools = API_NAMES.reduce((sum, api) => sum + cfg.apis[api].poolSize, 0);
    if (limit !== undefined && pools > limit) {
        problems.push(`apis.*.poolSize: the pools add up to ${pools} connections, above the ${limit} that "${data.postgres.size}" allows `
            + "(25 per GiB less 3 reserved); lower the pool sizes or pick a larger data.postgres.size");
    }
    return problems;
}

/** Every value of a colour config that the shape accepts but reality does not. */
export function colourValueProblems(cfg: ColourConfig): string[] {
    return [
        ...(KUBERNETES_MINORS.includes(cfg.cluster.kubernetesVersion) ? [] : [
            `cluster.kubernetesVersion: DigitalOcean offers no Kubernetes ${cfg.cluster.kubernetesVersion} (offered: ${KUBERNETES_MINORS.join(", ")} as of ${TABLES_CHECKED_ON})`]),
        ...slugProblem("cluster.nodeSize", cfg.cluster.nodeSize, DROPLET_SIZES),
        ...dataProblems(cfg),
        ...imageProblems("gateway.image", cfg.gateway.image, GATEWAY_IMAGE_SOURCES,
            `${PLATFORM_REGISTRY} or the unprivileged nginxinc/nginx-unprivileged the gateway's non-root securityContext expects`),
        ...API_NAMES.flatMap(api => [
            ...imageProblems(`apis.${api}.image`, cfg.apis[api].image, [PLATFORM_REGISTRY], `the platform's registry ${PLATFORM_REGISTRY}`),
            ...resourceProblems(`apis.${api}`, cfg.apis[api]),
        ]),
    ];
}

/** The parts of the traffic config checked against reality: health checks that check health, preview names nobody sends by accident. */
export interface TrafficValues {
    readonly monitor: { readonly path?: string; readonly expectedCodes: string };
    readonly previewCookie: string;
    readonly previewHeader: string;
}

export function trafficValueProblems(cfg: TrafficValues): string[] {
    const problems: string[] = [];
    if (!/^2(?:\d\d|xx)$/.test(cfg.monitor.expectedCodes)) {
        problems.push(`monitor.expectedCodes: "${cfg.monitor.expectedCodes}" would count a non-2xx answer as healthy; expect "200" (or "2xx")`);
    }
    if (cfg.monitor.path !== undefined && !HEALTH_PATH.test(cfg.monitor.path)) {
        problems.push(`monitor.path: "${cfg.monitor.path}" is not a health endpoint (a static path answers 200 while the APIs are down); use /healthz or /health/<api>`);
    }
    const cookie = cfg.previewCookie.toLowerCase();
    if (COMMON_COOKIES.includes(cookie) || !cookie.includes("preview")) {
        problems.push(`previewCookie: "${cfg.previewCookie}" could be sent by ordinary visitors; use a name of the platform's own containing "preview", like blkout_preview`);
    }
    const header = cfg.previewHeader.toLowerCase();
    if (STANDARD_HEADERS.includes(header) || !header.includes("preview")) {
        problems.push(`previewHeader: "${cfg.previewHeader}" is a header ordinary requests may carry; use a platform header containing "preview", like X-Blkout-Preview`);
    }
    return problems;
}
