import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { AlertReceivers, receiverProblems, renderAlertmanagerConfig, SEVERITY_RECEIVERS } from "../../components/monitoringAlertmanager";
import { ALERT_RULES, SEVERITIES } from "../../components/monitoringRules";

/** The rendered Alertmanager config, checked and routed by Debian's amtool. */
const run = promisify(execFile);
let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "blkout-am-")); });
afterAll(() => rm(dir, { recursive: true, force: true }));

const RECEIVERS: AlertReceivers = {
    pagerDutyRoutingKey: "pd-routing-key-0123456789abcdef",
    slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX",
    slackChannel: "#blkout-alerts",
    smtp: { smarthost: "smtp.eu.mailgun.org:587", from: "alerts@blkoutuk.com", username: "alerts@mg.blkoutuk.com" },
    smtpPassword: "smtp-secret-password",
    emails: ["platform-alerts@blkoutuk.com"],
};

async function amtool(...args: string[]): Promise<{ ok: boolean; output: string; stdout?: string }> {
    try {
        const { stdout, stderr } = await run("/usr/bin/amtool", args, { cwd: dir });
        return { ok: true, output: stdout + stderr, stdout };
    } catch (error: any) {
        return { ok: false, output: `${error.stdout ?? ""}${error.stderr ?? error.message}` };
    }
}

describe("the Alertmanager config", () => {
    it("passes amtool check-config for each colour", async () => {
        for (const colour of ["blue", "green"]) {
            await writeFile(join(dir, `${colour}.yml`), renderAlertmanagerConfig(colour, RECEIVERS));
            const result = await amtool("check-config", `${colour}.yml`);
            expect(result.output).toMatch(/SUCCESS/);
            expect(result.output).toMatch(/4 receivers/);
            expect(result.ok).toBe(true);
        }
    });

    it("routes critical to the page, high to chat, medium to e-mail and low to the daily digest", async () => {
        await writeFile(join(dir, "routes.yml"), renderAlertmanagerConfig("blue", RECEIVERS));
        for (const severity of SEVERITIES) {
            const result = await amtool("config", "routes", "test", "--config.file=routes.yml", `severity=${severity}`, "alertname=X", "colour=blue");
            expect(result.stdout?.trim()).toBe(SEVERITY_RECEIVERS[severity]);
        }
        expect(SEVERITY_RECEIVERS).toEqual({ critical: "page", high: "chat", medium: "email", low: "daily-digest" });
        // Every alert rule's severity has a route (no alert falls through to the default by accident).
        for (const rule of ALERT_RULES) {
            const result = await amtool("config", "routes", "test", "--config.file=routes.yml", `severity=${rule.severity}`, `alertname=${rule.alert}`);
            expect(result.stdout?.trim()).toBe(SEVERITY_RECEIVERS[rule.severity]);
        }
    });

    it("would fail amtool on a broken config (the check can fail)", async () => {
        await writeFile(join(dir, "broken.yml"), renderAlertmanagerConfig("blue", RECEIVERS).replace("receiver: chat", "receiver: nobody"));
        const result = await amtool("check-config", "broken.yml");
        expect(result.ok).toBe(false);
        expect(result.output).toMatch(/undefined receiver "nobody"/);
    });

    it("refuses bad plain settings, naming each", () => {
        expect(receiverProblems({ ...RECEIVERS, smtp: { ...RECEIVERS.smtp, smarthost: "mail" }, emails: [], slackChannel: "alerts" })).toEqual([
            'smtp.smarthost: expected host:port, got "mail"',
            "emails: expected at least one address for e-mail alerts and the digest",
            'slackChannel: expected a channel like #blkout-alerts, got "alerts"',
        ]);
        expect(receiverProblems(RECEIVERS)).toEqual([]);
    });
});
