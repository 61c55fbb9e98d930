import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../../switch/settings";
import { actorFrom } from "../../switch/actor";
import { openStore } from "../../switch/wiring";
import { colourOutputs } from "./support/fakes";
import { runSwitch } from "./support/platform";
import { MemoryWeights, RecordingTraffic } from "./support/trafficDouble";

let dir: string;
let traffic: RecordingTraffic;
beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "blkout-cli-"));
    // Origins nobody listens on: a command that probed them would report them unhealthy.
    traffic = new RecordingTraffic(new MemoryWeights({ blue: 100, green: 0 }), {
        blue: colourOutputs("blue", "1.0.0", { gatewayOrigin: "127.0.0.1:9" }), green: colourOutputs("green", "1.1.0", { gatewayOrigin: "127.0.0.1:9" }),
    });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const run = (...argv: string[]) => runSwitch([...argv, "--store", dir], traffic);

describe("bad input", () => {
    it.each([
        [["to", "purple"], 'to <colour>: expected blue or green, got "purple"'],
        [["to"], "to <colour>: expected a colour (blue or green), got nothing"],
        [["to", "green", "--steps", "50,20,100"], "--steps[1]: expected steps to increase, got 20 after 50"],
        [["to", "green", "--steps", "5,150"], "--steps[1]: expected an integer percentage 1-100, got 150"],
        [["to", "green", "--steps", ""], "--steps: expected comma-separated percentages like 5,20,50,100, got an empty list"],
        [["to", "green", "--window", "forever"], '--window: expected a duration like 60s, 2m or 1500ms, got "forever"'],
        [["to", "green", "--error-rate", "150"], '--error-rate: expected a number 0-100, got "150"'],
        [["switch", "green"], 'command: expected one of to, status, rollback, abort, resume, history, help, got "switch"'],
        [["to", "green", "--colour", "x"], "--colour: unknown flag (see `npm run switch -- --help`)"],
        [["to", "green", "--dry-run=maybe"], '--dry-run: expected true or false, got "maybe"'],
        [["to", "green", "--window"], "--window: expected a value"],
    ])("%j is refused naming the argument, exit 1, nothing touched", async (argv, message) => {
        const result = await run(...argv);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`  - ${message}\n`);
        expect(result.stderr).not.toMatch(/\n\s+at /);
        expect(traffic.calls).toEqual([]);
        expect(await readdir(dir)).toEqual([]);
    });

    it("lists every problem at once", async () => {
        const result = await run("to", "purple", "--steps", "5,5", "--interval", "0s", "--metrics", "sometimes");
        expect(result.stderr.split("\n").filter(l => l.startsWith("  - "))).toEqual([
            '  - to <colour>: expected blue or green, got "purple"',
            "  - --steps[1]: expected steps to increase, got 5 after 5",
            "  - --steps: expected the last step to be 100, got 5",
            '  - --metrics: expected "synthetic" or "prometheus", got "sometimes"',
            '  - --interval: expected a duration above zero, got "0s"',
        ]);
    });

    it("refuses a switch to the live colour, exit 2, before anything is journaled", async () => {
        const result = await run("to", "blue");
        expect(result.code).toBe(2);
        expect(result.stderr).toContain("blue is already live (blue 100 / green 0)");
        expect(await readdir(dir)).toEqual([]);
    });

    it("refuses to start on an unhealthy target, naming the failing probe", async () => {
        const result = await run("to", "green");
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/green is unhealthy: \/healthz: connect ECONNREFUSED 127\.0\.0\.1:9/);
        expect(traffic.calls).toEqual([]);
    });
});

describe("--dry-run", () => {
    it("prints the plan, the gates and the refusals, and touches nothing", async () => {
        const result = await run("to", "green", "--dry-run", "--steps", "10,100", "--window", "90s");
        expect(result.code).toBe(2);
        expect(result.stdout).toContain([
            "plan: blue -> green",
            "  step 1/2: blue 90 / green 10, then observe 90 s",
            "  step 2/2: blue 0 / green 100, then observe 90 s",
            "  on a sustained breach: blue 100 / green 0 in one update",
            "gates: health failing > 30 s, error rate > 5 % for 2 min 0 s, p95 > 2000 ms for 60 s roll back (bad in >= 80 % of samples); metrics missing > 30 s halts; sampled every 5 s",
            "would refuse:",
        ].join("\n"));
        expect(result.stdout).toMatch(/dry run: nothing was changed\n$/);
        expect(traffic.calls).toEqual([]);
        expect(await readdir(dir)).toEqual([]);
    });
});

describe("CLI habits", () => {
    it.each([["--help"], ["-h"], ["help"], ["to", "--help"], ["rollback", "-h"], ["status", "--help=true"], ["resume", "--window", "9s", "-h"]])("%j prints usage and exits 0, touching nothing", async (...argv) => {
        const result = await run(...argv);
        expect(result).toMatchObject({ code: 0, stderr: "" });
        expect(result.stdout).toMatch(/^usage: npm run switch -- <command> \[flags\]/);
        expect(await readdir(dir)).toEqual([]);
    });

    it("takes --dry-run=false as no dry run, and --dry-run=true as one", async () => {
        const real = await run("to", "green", "--dry-run=false");
        expect(real.code).toBe(2);
        expect(real.stderr).toMatch(/^switch: refused:/);
        expect(real.stdout).not.toContain("dry run");
        const dry = await run("to", "green", "--dry-run=true");
        expect(dry.stdout).toMatch(/dry run: nothing was changed\n$/);
    });

    it("records only the flags given as overrides for resume", () => {
        const { options } = parseArgs(["resume", "--health-fail", "45s", "--interval", "2s"], {});
        expect(options?.overrides).toEqual({ thresholds: { healthFailingMs: 45_000 }, sampleIntervalMs: 2000 });
    });
});

describe("help and the environment", () => {
    it("prints usage with every flag and the exit codes", async () => {
        const result = await run("help");
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/--window\s+observation window per step \(seed: monitor 5 min\) \(default 5m\)/);
        expect(result.stdout).toContain("exit codes: 0 done, 1 bad input or error, 2 refused, 3 rolled back, 4 halted or aborted, 5 rollback failed");
    });

    it("picks Prometheus when PROMETHEUS_URL is set and the seeds' thresholds by default", () => {
        const { options } = parseArgs(["to", "green"], { PROMETHEUS_URL: "http://prometheus:9090" });
        expect(options).toMatchObject({ metrics: { kind: "prometheus", urls: { blue: "http://prometheus:9090", green: "http://prometheus:9090" } }, steps: [5, 20, 50, 100], windowMs: 300_000, overrides: {} });
        expect(options?.engine.thresholds).toEqual({ healthFailingMs: 30_000, errorRate: 0.05, errorRateWindowMs: 120_000, p95Ms: 2000, p95WindowMs: 60_000, metricsMissingMs: 30_000, breachFraction: 0.8 });
    });

    it("takes one Prometheus URL per colour, and journals them as an override of resume", () => {
        const perColour = "blue=http://127.0.0.1:9091,green=http://127.0.0.1:9092";
        const urls = { blue: "http://127.0.0.1:9091", green: "http://127.0.0.1:9092" };
        expect(parseArgs(["to", "green"], { PROMETHEUS_URL: perColour }).options?.metrics).toEqual({ kind: "prometheus", urls });
        expect(parseArgs(["resume", "--prometheus-url", perColour], {}).options?.overrides).toEqual({ metrics: { kind: "prometheus", urls } });
    });

    it.each([
        [["--prometheus-url", "blue=http://127.0.0.1:9091"], {}, "--prometheus-url: expected a URL for green too"],
        [[], { PROMETHEUS_URL: "blue=http://127.0.0.1:9091,green=http://127.0.0.1:9092,red=http://x:1" }, "PROMETHEUS_URL: expected blue or green before \"=\""],
        [["--prometheus-url", "ftp://x"], { PROMETHEUS_URL: "nonsense" }, "--prometheus-url: expected an http(s) URL, got \"ftp://x\""],
        [["--metrics", "prometheus"], {}, "--prometheus-url: expected a URL, or blue=URL,green=URL (or PROMETHEUS_URL)"],
    ])("refuses Prometheus URLs %j %j, naming where they came from", (flags, env, problem) => {
        const { options, problems } = parseArgs(["to", "green", ...flags], env);
        expect(options).toBeUndefined();
        expect(problems).toEqual([expect.stringContaining(problem)]);
    });

    it("ignores PROMETHEUS_URL when synthetic probes are asked for", () => {
        expect(parseArgs(["to", "green", "--metrics", "synthetic"], { PROMETHEUS_URL: "nonsense" }).options?.metrics.kind).toBe("synthetic");
    });

    it("names the CI actor, else git's user, else $USER", () => {
        expect(actorFrom({ GITHUB_ACTOR: "octo", GITHUB_RUN_ID: "42", USER: "root" }, () => "dev@example.org")).toBe("octo (ci run 42)");
        expect(actorFrom({ USER: "root" }, () => "dev@example.org")).toBe("dev@example.org");
        expect(actorFrom({ USER: "root" }, () => undefined)).toBe("root");
    });

    it("names every missing setting of an s3:// store, never a secret", () => {
        expect(() => openStore("s3://blkout-switch/prod", { SPACES_SECRET_ACCESS_KEY: "s3cr3t" }, "/", Date.now)).toThrow(
            "invalid store s3://blkout-switch/prod:\n"
            + "  - BLKOUT_SWITCH_STORE_ENDPOINT: expected the S3 endpoint, e.g. https://ams3.digitaloceanspaces.com\n"
            + "  - SPACES_ACCESS_KEY_ID (or AWS_ACCESS_KEY_ID): expected the bucket's access key");
    });
});
