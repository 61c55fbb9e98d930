import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { pushgatewayArgs } from "../../../components/monitoringPushgateway";
import { JOBS } from "../../../components/monitoringPrometheus";
import { freePort } from "../../support/nginx";
import { Server, startServer } from "./servers";

/** Debian's Pushgateway, the same 1.5.1 the cluster's image runs. */
export const PUSHGATEWAY_BINARY = "/usr/bin/prometheus-pushgateway";

/** The real Pushgateway with the container's own flags, only the address and data dir local. */
export async function startPushgateway(): Promise<Server> {
    const dir = await mkdtemp(join(tmpdir(), "blkout-pushgateway-"));
    const port = await freePort();
    return startServer(PUSHGATEWAY_BINARY, [...pushgatewayArgs(dir, `127.0.0.1:${port}`), "--log.level=warn"], port, "/-/ready", dir);
}

type Job = { job_name: string; static_configs?: { targets: string[] }[]; [key: string]: unknown };

/** The rendered config's pushgateway job alone, its cluster address swapped for the loopback one; the rest of the job (honor_labels) as rendered. */
export function loopbackPushgatewayConfig(rendered: string, target: string, scrapeInterval = "1s"): string {
    const config = parse(rendered) as { global: Record<string, unknown>; scrape_configs: Job[] };
    const jobs = config.scrape_configs.filter(job => job.job_name === JOBS.pushgateway);
    if (jobs.length !== 1) throw new Error(`expected one ${JOBS.pushgateway} job in the rendered config, found ${jobs.length}`);
    const global = { ...config.global, scrape_interval: scrapeInterval, evaluation_interval: scrapeInterval };
    return stringify({ global, scrape_configs: [{ ...jobs[0], static_configs: [{ targets: [target] }] }] });
}
