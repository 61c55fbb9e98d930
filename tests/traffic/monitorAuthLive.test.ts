import { execFile } from "child_process";
import { chmod, mkdtemp, rm, writeFile } from "fs/promises";
import { request } from "https";
import { tmpdir } from "os";
import { join } from "path";
import { promisify } from "util";
import { MONITOR_HEALTH_PATH, MONITOR_TOKEN_HEADER, renderMonitorTokenMap } from "../../components/monitorAuth";
import { Colour } from "../../components/platformNames";
import { TrafficSwitch } from "../../components/trafficSwitch";
import { loadTrafficConfig } from "../../infra/traffic/config";
import { NginxInstance, startNginx } from "../support/nginx";
import { evaluateTest, named } from "../support/pulumi";
import { canaryConfig, monitorToken } from "./fixtures";

/**
 * The monitors' trust model on real processes: each colour's gateway (real nginx, the rendered
 * config) behind a TLS terminator (real nginx standing in for the DigitalOcean load balancer) that
 * presents a certificate from a private CA, as a Cloudflare Origin CA certificate is to a monitor.
 * The request sent is the one the monitor resource declares: method, path, headers, TLS settings.
 */

const run = promisify(execFile);
const COLOURS_UNDER_TEST: readonly Colour[] = ["blue", "green"];
let dir: string;
const gateways: Partial<Record<Colour, NginxInstance>> = {};
const fronts: Partial<Record<Colour, NginxInstance>> = {};
let ca: string;
let monitors: Record<Colour, Record<string, any>>;

async function makePrivateCa(): Promise<void> {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await run("openssl", ["req", "-x509", ...ec, "-keyout", join(dir, "ca.key"), "-out", join(dir, "ca.pem"), "-days", "2", "-subj", "/CN=blkout test origin CA"]);
    await run("openssl", ["req", ...ec, "-keyout", join(dir, "leaf.key"), "-out", join(dir, "leaf.csr"), "-subj", "/CN=blkoutuk.com"]);
    await writeFile(join(dir, "ext.cnf"), "subjectAltName=DNS:blkoutuk.com,DNS:*.blkoutuk.com\n");
    await run("openssl", ["x509", "-req", "-in", join(dir, "leaf.csr"), "-CA", join(dir, "ca.pem"), "-CAkey", join(dir, "ca.key"),
        "-CAcreateserial", "-out", join(dir, "leaf.pem"), "-days", "2", "-extfile", join(dir, "ext.cnf")]);
}

/** TLS ends here and the request goes on as plain HTTP with its Host, as at the DigitalOcean load balancer. */
function terminator(upstreamPort: number) {
    return {
        config: (runtime: { port: number; runtimeDir: string; errorLogPath: string; accessLogPath: string }) => [
            "worker_processes 1;", `pid ${runtime.runtimeDir}/nginx.pid;`, `error_log ${runtime.errorLogPath} warn;`,
            "events { worker_connections 64; }",
            "http {",
            `  access_log ${runtime.accessLogPath};`,
            ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(kind => `  ${kind}_temp_path ${runtime.runtimeDir}/${kind}_temp;`),
            "  server {",
            `    listen 127.0.0.1:${runtime.port} ssl;`,
            `    ssl_certificate ${join(dir, "leaf.pem")};`,
            `    ssl_certificate_key ${join(dir, "leaf.key")};`,
            `    location / { proxy_pass http://127.0.0.1:${upstreamPort}; proxy_set_header Host $host; }`,
            "  }",
            "}",
        ].join("\n"),
    };
}

interface Answer { readonly status?: number; readonly error?: string }

/** The monitor's request as Cloudflare would send it to an origin, from the monitor's recorded inputs. */
function probe(monitor: Record<string, any>, port: number, overrides: { headers?: Record<string, string>; trust?: string } = {}): Promise<Answer> {
    const declared = Object.fromEntries(Object.entries(monitor.header.value as Record<string, string[]>).map(([name, values]) => [name, values[0]]));
    const headers = overrides.headers ?? declared;
    return new Promise(resolve => {
        const req = request({
            host: "127.0.0.1", port, method: monitor.method, path: monitor.path, headers, servername: headers.Host,
            rejectUnauthorized: overrides.trust !== undefined || monitor.allowInsecure !== true,
            ...(overrides.trust ? { ca: overrides.trust } : {}),
            timeout: monitor.timeout * 1000,
        }, res => { res.resume(); res.on("end", () => resolve({ status: res.statusCode })); });
        req.on("error", error => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
        req.end();
    });
}

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "blkout-monitor-auth-"));
    await chmod(dir, 0o755);
    await makePrivateCa();
    ca = (await run("cat", [join(dir, "ca.pem")])).stdout;
    for (const colour of COLOURS_UNDER_TEST) {
        const includePath = join(dir, `${colour}-monitor-auth.conf`);
        await writeFile(includePath, renderMonitorTokenMap(monitorToken(colour)));
        gateways[colour] = await startNginx({
            upstreams: { ivor: { host: "127.0.0.1", port: 9 } }, routes: [{ prefix: "/api/chat", api: "ivor" }], trustedProxyRanges: ["127.0.0.1"], colour, release: "v1",
            // The hosts the deployed gateway serves (components/gateway.ts): the zone and the colour's own.
            allowedHosts: ["blkoutuk.com", `${colour}.blkoutuk.com`],
            monitorAuth: { hostname: `${colour}.blkoutuk.com`, includePath },
        });
        fronts[colour] = await startNginx(terminator(gateways[colour]!.port));
    }
    const cfg = loadTrafficConfig(canaryConfig());
    const evaluation = await evaluateTest(() => {
        new TrafficSwitch("live", {
            plan: cfg.cloudflarePlan, accountId: cfg.accountId, zoneId: cfg.zoneId, hostname: cfg.hostname,
            origins: { blue: { address: "127.0.0.1", hostname: "blue.blkoutuk.com" }, green: { address: "127.0.0.1", hostname: "green.blkoutuk.com" } },
            monitorTokens: { blue: monitorToken("blue"), green: monitorToken("green") },
            weights: { blue: 95, green: 5 }, liveColour: "blue", monitor: cfg.monitor, sessionAffinityTtl: 1800,
            previewCookie: cfg.previewCookie, previewHeader: cfg.previewHeader, notificationEmail: cfg.notificationEmail,
        });
        return {};
    });
    monitors = { blue: named(evaluation.resources, "live-blue-monitor").inputs, green: named(evaluation.resources, "live-green-monitor").inputs };
}, 60_000);

afterAll(async () => {
    await Promise.all([...Object.values(fronts), ...Object.values(gateways)].map(instance => instance?.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a monitor against an origin certificate no public store trusts", () => {
    it("is an HTTPS GET of the authenticated path that skips chain validation (what the resource declares)", () => {
        expect(monitors.blue).toMatchObject({ type: "https", method: "GET", path: MONITOR_HEALTH_PATH, allowInsecure: true, expectedCodes: "200" });
    });

    it.each(COLOURS_UNDER_TEST)("gets 200 from the %s gateway with exactly the declared request", async colour => {
        expect(await probe(monitors[colour], fronts[colour]!.port)).toEqual({ status: 200 });
    });

    it("would fail chain validation without allowInsecure (why the token stands in for it), and passes it with the private CA trusted", async () => {
        const validating = { ...monitors.blue, allowInsecure: false };
        expect((await probe(validating, fronts.blue!.port)).error).toMatch(/CERT|SELF_SIGNED|UNABLE/);
        expect(await probe(validating, fronts.blue!.port, { trust: ca })).toEqual({ status: 200 });
    });
});

describe("requests the gateway refuses on the monitor path", () => {
    const host = (colour: Colour) => `${colour}.blkoutuk.com`;

    it("without the token: 401", async () => {
        expect(await probe(monitors.blue, fronts.blue!.port, { headers: { Host: host("blue") } })).toEqual({ status: 401 });
    });

    it("with another colour's token: 401", async () => {
        expect(await probe(monitors.blue, fronts.blue!.port, { headers: { Host: host("blue"), [MONITOR_TOKEN_HEADER]: monitorToken("green") } })).toEqual({ status: 401 });
    });

    it("for the public hostname rather than the colour's own: 421", async () => {
        expect(await probe(monitors.blue, fronts.blue!.port, { headers: { Host: "blkoutuk.com", [MONITOR_TOKEN_HEADER]: monitorToken("blue") } })).toEqual({ status: 421 });
    });

    it("blue's monitor pointed at green's origin (swapped addresses) never reads green's health: 421", async () => {
        expect(await probe(monitors.blue, fronts.green!.port)).toEqual({ status: 421 });
        expect(await probe(monitors.green, fronts.blue!.port)).toEqual({ status: 421 });
    });
});
