import { DEFAULT_KUBERNETES_VERSION, minorOf, safeSysctls } from "../../policies/podSecurityStandards";
import { seLinuxTypes } from "../../policies/podBaseline";
import { deployment } from "../policies/compliant";
import { verdicts, withProp } from "../policies/helpers";
import { readFileSync } from "fs";

/**
 * Pod Security as Kubernetes' admission enforces it, per check and per policy version: for each
 * check, a pod Kubernetes refuses at that version and one it admits, written from the Pod Security
 * Standards page and the checks in kubernetes/kubernetes
 * staging/src/k8s.io/pod-security-admission/policy/check_*.go. Every case runs the real policy
 * through the pack's harness with `kubernetesVersion` set as a team would set it.
 */

const POD = "spec.template.spec";
const CONTAINER = `${POD}.containers.0`;
const SECURITY = `${CONTAINER}.securityContext`;

type Edit = [path: string, value: unknown];
const podWith = (...edits: Edit[]) => edits.reduce((resource, [path, value]) => withProp(resource, path, value), deployment());

async function messages(policy: string, version: string, ...edits: Edit[]): Promise<string[]> {
    const found = await verdicts(policy, [podWith(...edits)], { [policy]: { kubernetesVersion: version } } as never);
    return found.map(violation => violation.message);
}

const WINDOWS: Edit = [`${POD}.os`, { name: "windows" }];
const NO_HOST_USERS: Edit = [`${POD}.hostUsers`, false];

interface Case {
    readonly check: string;
    readonly policy: string;
    readonly version: string;
    readonly edits: Edit[];
    /** The violation Kubernetes' refusal maps to, or null when Kubernetes admits the pod. */
    readonly refused: RegExp | null;
}

const CASES: Case[] = [
    // check_hostProbesAndhostLifecycle.go: new in 1.34.
    { check: "hostProbesAndHostLifecycle", policy: "pod-security-baseline-options", version: "1.34", edits: [[`${CONTAINER}.readinessProbe.httpGet.host`, "169.254.169.254"]], refused: /readinessProbe\.httpGet\.host is "169\.254\.169\.254"/ },
    { check: "hostProbesAndHostLifecycle", policy: "pod-security-baseline-options", version: "1.34", edits: [[`${CONTAINER}.lifecycle`, { preStop: { tcpSocket: { host: "10.0.0.1", port: 80 } } }]], refused: /lifecycle\.preStop\.tcpSocket\.host is "10\.0\.0\.1"/ },
    { check: "hostProbesAndHostLifecycle", policy: "pod-security-baseline-options", version: "1.34", edits: [[`${CONTAINER}.readinessProbe.httpGet.host`, ""]], refused: null },
    { check: "hostProbesAndHostLifecycle", policy: "pod-security-baseline-options", version: "1.34", edits: [[`${CONTAINER}.livenessProbe.tcpSocket`, { host: "127.0.0.1", port: 3000 }]], refused: null },
    { check: "hostProbesAndHostLifecycle", policy: "pod-security-baseline-options", version: "1.34", edits: [[`${CONTAINER}.startupProbe`, { httpGet: { host: "localhost", path: "/", port: 3000 } }]], refused: /startupProbe\.httpGet\.host is "localhost"/ },
    { check: "hostProbesAndHostLifecycle", policy: "pod-security-baseline-options", version: "1.33", edits: [[`${CONTAINER}.readinessProbe.httpGet.host`, "169.254.169.254"]], refused: null },
    // check_seccompProfile_restricted.go: a set pod-level profile is judged even when containers override it; Windows exempt from 1.25.
    { check: "seccompProfile_restricted", policy: "pod-seccomp-runtime-default", version: "1.33", edits: [[`${POD}.securityContext.seccompProfile`, { type: "Unconfined" }]], refused: /securityContext sets seccomp profile "Unconfined"/ },
    { check: "seccompProfile_restricted", policy: "pod-seccomp-runtime-default", version: "1.33", edits: [[`${SECURITY}.seccompProfile`, undefined]], refused: null },
    { check: "seccompProfile_restricted", policy: "pod-seccomp-runtime-default", version: "1.25", edits: [WINDOWS, [`${SECURITY}.seccompProfile`, undefined], [`${POD}.securityContext.seccompProfile`, undefined]], refused: null },
    { check: "seccompProfile_restricted", policy: "pod-seccomp-runtime-default", version: "1.24", edits: [WINDOWS, [`${SECURITY}.seccompProfile`, undefined], [`${POD}.securityContext.seccompProfile`, undefined]], refused: /runs with seccomp profile nothing/ },
    // check_runAsNonRoot.go: a pod-level false fails whatever the containers say; hostUsers: false lifts it from 1.35.
    { check: "runAsNonRoot", policy: "pod-run-as-non-root", version: "1.33", edits: [[`${POD}.securityContext.runAsNonRoot`, false]], refused: /securityContext sets runAsNonRoot: false/ },
    { check: "runAsNonRoot", policy: "pod-run-as-non-root", version: "1.33", edits: [[`${SECURITY}.runAsNonRoot`, undefined]], refused: null },
    { check: "runAsNonRoot", policy: "pod-run-as-non-root", version: "1.35", edits: [NO_HOST_USERS, [`${SECURITY}.runAsNonRoot`, false], [`${POD}.securityContext.runAsNonRoot`, false]], refused: null },
    { check: "runAsNonRoot", policy: "pod-run-as-non-root", version: "1.34", edits: [NO_HOST_USERS, [`${SECURITY}.runAsNonRoot`, false]], refused: /may run as root \(runAsNonRoot is false\)/ },
    // check_runAsUser.go: from 1.23; hostUsers: false lifts it from 1.35.
    { check: "runAsUser", policy: "pod-run-as-non-root", version: "1.33", edits: [[`${SECURITY}.runAsUser`, 0]], refused: /sets runAsUser: 0 \(root\)/ },
    { check: "runAsUser", policy: "pod-run-as-non-root", version: "1.35", edits: [NO_HOST_USERS, [`${POD}.securityContext.runAsUser`, 0], [`${POD}.securityContext.runAsNonRoot`, undefined], [`${SECURITY}.runAsNonRoot`, undefined]], refused: null },
    { check: "runAsUser", policy: "pod-run-as-non-root", version: "1.34", edits: [NO_HOST_USERS, [`${POD}.securityContext.runAsUser`, 0]], refused: /securityContext\.runAsUser is 0 \(root\)/ },
    { check: "runAsUser", policy: "pod-run-as-non-root", version: "1.22", edits: [[`${SECURITY}.runAsUser`, 0]], refused: null },
    // check_allowPrivilegeEscalation.go: Windows exempt from 1.25.
    { check: "allowPrivilegeEscalation", policy: "pod-no-privilege-escalation", version: "1.33", edits: [[`${SECURITY}.allowPrivilegeEscalation`, true]], refused: /does not set allowPrivilegeEscalation: false/ },
    { check: "allowPrivilegeEscalation", policy: "pod-no-privilege-escalation", version: "1.25", edits: [WINDOWS, [`${SECURITY}.allowPrivilegeEscalation`, undefined]], refused: null },
    { check: "allowPrivilegeEscalation", policy: "pod-no-privilege-escalation", version: "1.24", edits: [WINDOWS, [`${SECURITY}.allowPrivilegeEscalation`, undefined]], refused: /does not set allowPrivilegeEscalation: false/ },
    // check_capabilities_restricted.go: drop ALL, add only NET_BIND_SERVICE; Windows exempt from 1.25.
    { check: "capabilities_restricted", policy: "pod-drop-all-capabilities", version: "1.33", edits: [[`${SECURITY}.capabilities.add`, ["SYS_ADMIN"]]], refused: /adds capabilities \["SYS_ADMIN"\]/ },
    { check: "capabilities_restricted", policy: "pod-drop-all-capabilities", version: "1.33", edits: [[`${SECURITY}.capabilities.add`, ["NET_BIND_SERVICE"]]], refused: null },
    { check: "capabilities_restricted", policy: "pod-drop-all-capabilities", version: "1.25", edits: [WINDOWS, [`${SECURITY}.capabilities`, undefined]], refused: null },
    { check: "capabilities_restricted", policy: "pod-drop-all-capabilities", version: "1.24", edits: [WINDOWS, [`${SECURITY}.capabilities`, undefined]], refused: /does not drop ALL capabilities/ },
    // check_sysctls.go: the safe set grows at 1.27, 1.29 and 1.32.
    { check: "sysctls", policy: "pod-security-baseline-options", version: "1.32", edits: [[`${POD}.securityContext.sysctls`, [{ name: "net.ipv4.tcp_rmem", value: "4096 87380 6291456" }]]], refused: null },
    { check: "sysctls", policy: "pod-security-baseline-options", version: "1.31", edits: [[`${POD}.securityContext.sysctls`, [{ name: "net.ipv4.tcp_rmem", value: "4096 87380 6291456" }]]], refused: /sysctl "net\.ipv4\.tcp_rmem", which is not in the safe set of Kubernetes 1\.31/ },
    { check: "sysctls", policy: "pod-security-baseline-options", version: "1.29", edits: [[`${POD}.securityContext.sysctls`, [{ name: "net.ipv4.tcp_keepalive_time", value: "600" }]]], refused: null },
    { check: "sysctls", policy: "pod-security-baseline-options", version: "1.28", edits: [[`${POD}.securityContext.sysctls`, [{ name: "net.ipv4.tcp_keepalive_time", value: "600" }]]], refused: /tcp_keepalive_time/ },
    { check: "sysctls", policy: "pod-security-baseline-options", version: "1.27", edits: [[`${POD}.securityContext.sysctls`, [{ name: "net.ipv4.ip_local_reserved_ports", value: "8080" }]]], refused: null },
    { check: "sysctls", policy: "pod-security-baseline-options", version: "1.26", edits: [[`${POD}.securityContext.sysctls`, [{ name: "net.ipv4.ip_local_reserved_ports", value: "8080" }]]], refused: /ip_local_reserved_ports/ },
    // check_restrictedVolumes.go: image volumes are allowed (Kubernetes 1.33 patched the 1.0 check); hostPath never.
    { check: "restrictedVolumes", policy: "pod-restricted-volumes", version: "1.33", edits: [[`${POD}.volumes.1`, { name: "model", image: { reference: "registry.digitalocean.com/blkout/model:1", pullPolicy: "IfNotPresent" } }]], refused: null },
    { check: "restrictedVolumes", policy: "pod-restricted-volumes", version: "1.33", edits: [[`${POD}.volumes.1`, { name: "host", hostPath: { path: "/" } }]], refused: /volumes\[1\] is a hostPath volume/ },
    // check_seLinuxOptions.go: container_engine_t from 1.31.
    { check: "seLinuxOptions", policy: "pod-security-baseline-options", version: "1.31", edits: [[`${SECURITY}.seLinuxOptions`, { type: "container_engine_t" }]], refused: null },
    { check: "seLinuxOptions", policy: "pod-security-baseline-options", version: "1.30", edits: [[`${SECURITY}.seLinuxOptions`, { type: "container_engine_t" }]], refused: /sets SELinux type "container_engine_t"/ },
    // check_procMount_restricted.go (1.35): restricted keeps /proc masked even in a user namespace.
    { check: "procMount_restricted", policy: "pod-security-baseline-options", version: "1.35", edits: [NO_HOST_USERS, [`${SECURITY}.procMount`, "Unmasked"]], refused: /sets procMount "Unmasked"/ },
    { check: "procMount_restricted", policy: "pod-security-baseline-options", version: "1.35", edits: [NO_HOST_USERS, [`${SECURITY}.procMount`, "Default"]], refused: null },
    // check_appArmorProfile.go, check_privileged.go, check_windowsHostProcess.go, check_hostNamespaces.go, check_hostPorts.go (1.0).
    { check: "appArmorProfile", policy: "pod-security-baseline-options", version: "1.33", edits: [[`${SECURITY}.appArmorProfile`, { type: "Unconfined" }]], refused: /appArmorProfile "Unconfined"/ },
    { check: "appArmorProfile", policy: "pod-security-baseline-options", version: "1.33", edits: [[`${SECURITY}.appArmorProfile`, { type: "RuntimeDefault" }]], refused: null },
    { check: "privileged", policy: "pod-not-privileged", version: "1.33", edits: [[`${SECURITY}.privileged`, true]], refused: /is privileged/ },
    { check: "windowsHostProcess", policy: "pod-not-privileged", version: "1.33", edits: [WINDOWS, [`${POD}.securityContext.windowsOptions`, { hostProcess: true }]], refused: /runs as a Windows HostProcess/ },
    { check: "hostNamespaces", policy: "pod-no-host-namespaces", version: "1.33", edits: [[`${POD}.hostIPC`, true]], refused: /hostIPC is true/ },
    { check: "hostNamespaces", policy: "pod-no-host-namespaces", version: "1.33", edits: [[`${POD}.hostNetwork`, false]], refused: null },
    { check: "hostPorts", policy: "pod-no-host-ports", version: "1.33", edits: [[`${CONTAINER}.ports.0.hostPort`, 0]], refused: null },
    { check: "hostPorts", policy: "pod-no-host-ports", version: "1.33", edits: [[`${CONTAINER}.ports.0.hostPort`, 3000]], refused: /binds host port 3000/ },
    { check: "privileged", policy: "pod-not-privileged", version: "1.33", edits: [[`${SECURITY}.privileged`, false]], refused: null },
    { check: "windowsHostProcess", policy: "pod-not-privileged", version: "1.33", edits: [WINDOWS, [`${POD}.securityContext.windowsOptions`, { hostProcess: false }]], refused: null },
];

describe("Pod Security as Kubernetes admission enforces it", () => {
    it.each(CASES.map(c => [c.check, c.version, c.refused ? "refuses" : "admits", c]))("%s at %s %s the pod", async (_check, _version, _verdict, c) => {
        const found = await messages(c.policy, c.version, ...c.edits);
        if (c.refused) {
            expect(found).toEqual(expect.arrayContaining([expect.stringMatching(c.refused)]));
        } else {
            expect(found).toEqual([]);
        }
    });

    it("covers every Kubernetes check with at least one refusal and one admission", () => {
        const checks = new Set(CASES.map(c => c.check));
        const both = [...checks].filter(check => CASES.some(c => c.check === check && c.refused) && CASES.some(c => c.check === check && !c.refused));
        expect([...checks].filter(check => !both.includes(check))).toEqual([]);
        expect(checks.size).toBe(15);
    });
});

describe("the configured Kubernetes version", () => {
    it("defaults to the version the committed colour stacks run", () => {
        for (const stack of ["Pulumi.blue.yaml", "Pulumi.green.yaml"]) {
            const declared = /kubernetesVersion: "(1\.\d+)"/.exec(readFileSync(stack, "utf8"))?.[1];
            expect([stack, declared]).toEqual([stack, DEFAULT_KUBERNETES_VERSION]);
        }
        expect(minorOf(undefined)).toBe(Number(DEFAULT_KUBERNETES_VERSION.split(".")[1]));
    });

    it("grows the safe sysctls and SELinux types as Kubernetes did", () => {
        expect(safeSysctls(26)).toHaveLength(5);
        expect(safeSysctls(32)).toHaveLength(12);
        expect(seLinuxTypes(30)).not.toContain("container_engine_t");
        expect(seLinuxTypes(31)).toContain("container_engine_t");
    });
});
