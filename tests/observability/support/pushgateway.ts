import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pushgatewayArgs } from "../../../components/monitoringPushgateway";
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
