import { RecordedResource } from "./mockRuntime";
import PRICES from "./prices.json";

/**
 * A monthly cost estimate for a stack's plan, from the dated list prices in `prices.json` (USD per
 * month; the file names its sources and the day they were read). It is a reviewer's yardstick for a
 * change ("this doubles the database bill"), not an invoice. A size missing from the table is named
 * in `unpriced`, never counted as free.
 */

export interface PriceTable {
    readonly takenOn: string;
    readonly sources: Readonly<Record<string, string>>;
    readonly droplet: Readonly<Record<string, number>>;
    readonly database: Readonly<Record<string, number>>;
    readonly haControlPlane: number;
    readonly loadBalancerNode: number;
    readonly spacesSubscription: number;
    readonly cloudflareLoadBalancingBase: number;
    readonly cloudflarePerExtraOrigin: number;
}

/** Every problem with a price table, so a bad edit of the data file fails loudly instead of pricing at NaN. */
export function priceTableProblems(table: unknown): string[] {
    const t = (table ?? {}) as Record<string, unknown>;
    const problems: string[] = [];
    const amount = (value: unknown) => typeof value === "number" && Number.isFinite(value) && value >= 0;
    if (typeof t.takenOn !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(t.takenOn)) {
        problems.push(`takenOn: expected the date the prices were read, YYYY-MM-DD, got ${JSON.stringify(t.takenOn ?? null)}`);
    }
    for (const key of ["droplet", "database"]) {
        const sizes = t[key];
        if (sizes === null || typeof sizes !== "object") {
            problems.push(`${key}: expected a table of size slug -> monthly price`);
            continue;
        }
        Object.entries(sizes).filter(([, price]) => !amount(price)).forEach(([size, price]) => problems.push(`${key}.${size}: expected a price >= 0, got ${JSON.stringify(price)}`));
    }
    for (const key of ["haControlPlane", "loadBalancerNode", "spacesSubscription", "cloudflareLoadBalancingBase", "cloudflarePerExtraOrigin"]) {
        if (!amount(t[key])) problems.push(`${key}: expected a price >= 0, got ${JSON.stringify(t[key] ?? null)}`);
    }
    for (const key of ["droplet", "database", "haControlPlane", "loadBalancerNode", "spacesSubscription"]) {
        if (typeof (t.sources as Record<string, unknown> | undefined)?.[key] !== "string") problems.push(`sources.${key}: expected where the price was read`);
    }
    return problems;
}

function loadPrices(table: unknown): PriceTable {
    const problems = priceTableProblems(table);
    if (problems.length > 0) {
        throw new Error(`infra/offline/prices.json has ${problems.length} problem(s):\n${problems.map(p => `  - ${p}`).join("\n")}`);
    }
    return table as PriceTable;
}

export const PRICES_TABLE: PriceTable = loadPrices(PRICES);

export interface CostLine {
    readonly resource: string;
    readonly item: string;
    readonly minimum: number;
    readonly maximum: number;
    /** Billed once per account however many stacks use it (the Spaces subscription). */
    readonly account?: boolean;
}

export interface CostEstimate {
    readonly lines: readonly CostLine[];
    readonly minimum: number;
    readonly maximum: number;
    /** Resources whose size has no price in the table: named, so the estimate never hides them. */
    readonly unpriced: readonly string[];
    /** The day the prices were read. */
    readonly pricesTakenOn: string;
}

function linesFor(resource: RecordedResource, unpriced: string[], prices: PriceTable): CostLine[] {
    const inputs = resource.inputs;
    const line = (item: string, minimum: number, maximum = minimum): CostLine => ({ resource: resource.name, item, minimum, maximum });
    const priced = (table: Readonly<Record<string, number>>, size: unknown): number | undefined => {
        const price = Object.prototype.hasOwnProperty.call(table, String(size)) ? table[String(size)] : undefined;
        if (price === undefined) {
            unpriced.push(`${resource.name} (${String(size)})`);
        }
        return price;
    };
    switch (resource.type) {
        case "digitalocean:index/kubernetesCluster:KubernetesCluster": {
            const pool = inputs.nodePool ?? {};
            const node = priced(prices.droplet, pool.size) ?? 0;
            const minNodes = pool.minNodes ?? pool.nodeCount ?? 1;
            const maxNodes = pool.maxNodes ?? minNodes;
            return [
                line(`${minNodes}-${maxNodes} × ${pool.size} nodes`, node * minNodes, node * maxNodes),
                ...(inputs.ha ? [line("HA control plane", prices.haControlPlane)] : []),
            ];
        }
        case "digitalocean:index/databaseCluster:DatabaseCluster": {
            const node = priced(prices.database, inputs.size) ?? 0;
            return [line(`${inputs.engine} ${inputs.nodeCount ?? 1} × ${inputs.size}`, node * (inputs.nodeCount ?? 1))];
        }
        case "digitalocean:index/databaseReplica:DatabaseReplica":
            return [line(`read replica ${inputs.size}`, priced(prices.database, inputs.size) ?? 0)];
        case "kubernetes:core/v1:Service": {
            if (inputs.spec?.type !== "LoadBalancer") {
                return [];
            }
            const units = Number(inputs.metadata?.annotations?.["service.beta.kubernetes.io/do-loadbalancer-size-unit"] ?? 1);
            return [line(`load balancer, ${units} node(s)`, prices.loadBalancerNode * units)];
        }
        case "cloudflare:index/loadBalancer:LoadBalancer": {
            const pools = (inputs.defaultPools ?? []).length;
            return [line("Cloudflare load balancing", prices.cloudflareLoadBalancingBase + prices.cloudflarePerExtraOrigin * Math.max(0, pools - 2))];
        }
        default:
            return [];
    }
}

/** Estimates a stack's monthly cost, as a range between its autoscalers' minimum and maximum. */
export function estimateMonthlyCost(resources: readonly RecordedResource[], prices: PriceTable = PRICES_TABLE): CostEstimate {
    const unpriced: string[] = [];
    const lines = resources.flatMap(resource => linesFor(resource, unpriced, prices));
    if (resources.some(r => r.type === "digitalocean:index/spacesBucket:SpacesBucket")) {
        lines.push({ resource: "account", item: "Spaces subscription incl. CDN", minimum: prices.spacesSubscription, maximum: prices.spacesSubscription, account: true });
    }
    return {
        lines,
        minimum: lines.reduce((sum, l) => sum + l.minimum, 0),
        maximum: lines.reduce((sum, l) => sum + l.maximum, 0),
        unpriced,
        pricesTakenOn: prices.takenOn,
    };
}
