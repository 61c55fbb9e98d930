import { stringify } from "yaml";
import { Severity } from "./monitoringRules";

/**
 * Alertmanager's configuration: routes by the seeds' severities (critical pages, high goes to chat,
 * medium to e-mail, low to a daily digest). The rendered text holds the receivers' keys, so the
 * component only ever stores it in a Kubernetes Secret, wrapped as a Pulumi secret.
 */

export interface SmtpSettings {
    /** host:port of the relay; STARTTLS is required. */
    readonly smarthost: string;
    readonly from: string;
    readonly username: string;
}

export interface AlertReceivers {
    /** PagerDuty Events v2 routing key (secret). */
    readonly pagerDutyRoutingKey: string;
    /** Slack incoming-webhook URL (secret). */
    readonly slackWebhookUrl: string;
    readonly slackChannel: string;
    readonly smtp: SmtpSettings;
    /** SMTP password (secret). */
    readonly smtpPassword: string;
    /** Who gets e-mail alerts and the digest. */
    readonly emails: readonly string[];
}

/** The receiver each severity routes to. */
export const SEVERITY_RECEIVERS: Readonly<Record<Severity, string>> = {
    critical: "page",
    high: "chat",
    medium: "email",
    low: "daily-digest",
};

/** Per severity: how long to gather alerts before the first notice, and how often to repeat one. */
const TIMING: Readonly<Record<Severity, { group_wait: string; group_interval: string; repeat_interval: string }>> = {
    critical: { group_wait: "10s", group_interval: "1m", repeat_interval: "1h" },
    high: { group_wait: "30s", group_interval: "5m", repeat_interval: "4h" },
    medium: { group_wait: "1m", group_interval: "30m", repeat_interval: "12h" },
    // One message a day, holding everything low that fired since the last one.
    low: { group_wait: "1h", group_interval: "24h", repeat_interval: "24h" },
};

/** Problems with the receivers' plain settings (the secrets are checked for presence by the config). */
export function receiverProblems(r: AlertReceivers): string[] {
    const problems: string[] = [];
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(r.smtp.smarthost)) problems.push(`smtp.smarthost: expected host:port, got ${JSON.stringify(r.smtp.smarthost)}`);
    if (r.emails.length === 0) problems.push("emails: expected at least one address for e-mail alerts and the digest");
    if (!r.slackChannel.startsWith("#")) problems.push(`slackChannel: expected a channel like #blkout-alerts, got ${JSON.stringify(r.slackChannel)}`);
    return problems;
}

/** The `alertmanager.yml` of one colour. */
export function renderAlertmanagerConfig(colour: string, r: AlertReceivers): string {
    const to = r.emails.join(", ");
    const config = {
        global: {
            smtp_smarthost: r.smtp.smarthost,
            smtp_from: r.smtp.from,
            smtp_auth_username: r.smtp.username,
            smtp_auth_password: r.smtpPassword,
            smtp_require_tls: true,
            resolve_timeout: "5m",
        },
        route: {
            receiver: SEVERITY_RECEIVERS.medium,
            group_by: ["alertname", "colour"],
            ...TIMING.medium,
            routes: (Object.keys(SEVERITY_RECEIVERS) as Severity[]).map(severity => ({
                receiver: SEVERITY_RECEIVERS[severity],
                matchers: [`severity="${severity}"`],
                ...TIMING[severity],
            })),
        },
        // A page for a breach makes the same breach's chat message noise.
        inhibit_rules: [{
            source_matchers: ['severity="critical"'],
            target_matchers: ['severity=~"high|medium"'],
            equal: ["colour"],
        }],
        receivers: [
            { name: "page", pagerduty_configs: [{ routing_key: r.pagerDutyRoutingKey, severity: "critical", send_resolved: true }] },
            {
                name: "chat",
                slack_configs: [{
                    api_url: r.slackWebhookUrl, channel: r.slackChannel, send_resolved: true,
                    title: `[${colour}] {{ .CommonLabels.alertname }}`,
                    text: "{{ range .Alerts }}{{ .Annotations.summary }}\nRunbook: {{ .Annotations.runbook }}\n{{ end }}",
                }],
            },
            { name: "email", email_configs: [{ to, send_resolved: true, headers: { Subject: `[blkout ${colour}] {{ .CommonLabels.alertname }}` } }] },
            { name: "daily-digest", email_configs: [{ to, headers: { Subject: `[blkout ${colour}] daily digest` } }] },
        ],
    };
    return stringify(config, { lineWidth: 0 });
}
