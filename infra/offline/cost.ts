import { RecordedResource } from "./mockRuntime";

/**
 * A monthly cost estimate for a stack's plan, from DigitalOcean's and Cloudflare's public list prices
 * (USD per month). It is a reviewer's yardstick for a change ("this doubles the database bill"), not
 * an invoice: bandwidth, storage use and taxes are left out, and prices should be re-checked yearly.
 */

/** Droplet sizes (DOKS worker nodes), per node. */
const DROPLET_MONTHLY: Readonly<Record<string, number>> = {
    "s-1vcpu-2gb": 12, "s-2vcpu-2gb": 18, "s-2vcpu-4gb": 24, "s-4vcpu-8gb": 48, "s-8vcpu-16gb": 96,
    "g-2vcpu-8gb": 63, "g-4vcpu-16gb": 126, "c-2": 42, "c-4": 84,
};

/** Managed database sizes (PostgreSQL, Valkey), per node; replicas are priced as nodes. */
const DATABASE_MONTHLY: Readonly<Record<string, number>> = {
    "db-s-1vcpu-1gb": 15, "db-s-1vcpu-2gb": 30, "db-s-2vcpu-4gb": 60, "db-s-4vcpu-8gb": 120, "db-s-6vcpu-16gb": 240, "db-s-8vcpu-32gb": 480,
};

const HA_CONTROL_PLANE = 40;
const LOAD_BALANCER_PER_NODE = 12;
/** The Spaces subscription covers every bucket and the CDN in the account: counted once per stack that has buckets. */
const SPACES_SUBSCRIPTION = 5;
/** Cloudflare load balancing: the base plan with two origins, plus each further origin. */
const CLOUDFLARE_LB_BASE = 5;
const CLOUDFLARE_LB_PER_EXTRA_ORIGIN = 5;

export interface CostLine {
    readonly resource: string;
    readonly item: string;
    readonly minimum: number;
    readonly maximum: number;
}

export interface CostEstimate {
    readonly lines: readonly CostLine[];
    readonly minimum: number;
    readonly maximum: number;
    /** Resources whose size has no price in the table: named, so the estimate never hides them. */
    readonly unpriced: readonly string[];
}

function linesFor(resource: RecordedResource, unpriced: string[]): CostLine[] {
    const inputs = resource.inputs;
    const line = (item: string, minimum: number, maximum = minimum): CostLine => ({ resource: resource.name, item, minimum, maximum });
    const priced = (table: Readonly<Record<string, number>>, size: unknown): number | undefined => {
        const price = table[String(size)];
        if (price === undefined) {
            unpriced.push(`${resource.name} (${String(size)})`);
        }
        return price;
    };
    switch (resource.type) {
        case "digitalocean:index/kubernetesCluster:KubernetesCluster": {
            const pool = inputs.nodePool ?? {};
            const node = priced(DROPLET_MONTHLY, pool.size) ?? 0;
            const minNodes = pool.minNodes ?? pool.nodeCount ?? 1;
            const maxNodes = pool.maxNodes ?? minNodes;
            return [
                line(`${minNodes}-${maxNodes} × ${pool.size} nodes`, node * minNodes, node * maxNodes),
                ...(inputs.ha ? [line("HA control plane", HA_CONTROL_PLANE)] : []),
            ];
        }
        case "digitalocean:index/databaseCluster:DatabaseCluster": {
            const node = priced(DATABASE_MONTHLY, inputs.size) ?? 0;
            return [line(`${inputs.engine} ${inputs.nodeCount ?? 1} × ${inputs.size}`, node * (inputs.nodeCount ?? 1))];
        }
        case "digitalocean:index/databaseReplica:DatabaseReplica":
            return [line(`read replica ${inputs.size}`, priced(DATABASE_MONTHLY, inputs.size) ?? 0)];
        case "kubernetes:core/v1:Service": {
            if (inputs.spec?.type !== "LoadBalancer") {
                return [];
            }
            const units = Number(inputs.metadata?.annotations?.["service.beta.kubernetes.io/do-loadbalancer-size-unit"] ?? 1);
            return [line(`load balancer, ${units} node(s)`, LOAD_BALANCER_PER_NODE * units)];
        }
        case "cloudflare:index/loadBalancer:LoadBalancer": {
            const pools = (inputs.defaultPools ?? []).length;
            return [line("Cloudflare load balancing", CLOUDFLARE_LB_BASE + CLOUDFLARE_LB_PER_EXTRA_ORIGIN * Math.max(0, pools - 2))];
        }
        default:
            return [];
    }
}

/** Estimates a stack's monthly cost, as a range between its autoscalers' minimum and maximum. */
export function estimateMonthlyCost(resources: readonly RecordedResource[]): CostEstimate {
    const unpriced: string[] = [];
    const lines = resources.flatMap(resource => linesFor(resource, unpriced));
    if (resources.some(r => r.type === "digitalocean:index/spacesBucket:SpacesBucket")) {
        lines.push({ resource: "account", item: "Spaces subscription incl. CDN", minimum: SPACES_SUBSCRIPTION, maximum: SPACES_SUBSCRIPTION });
    }
    return {
        lines,
        minimum: lines.reduce((sum, l) => sum + l.minimum, 0),
        maximum: lines.reduce((sum, l) => sum + l.maximum, 0),
        unpriced,
    };
}
