import { TYPES } from "../../policies/lib/resources";
import { clusterIpService, deployment, gatewayService, hpa, networkPolicy, pdb } from "./compliant";
import { PolicyCase, resource, withProp } from "./helpers";

/** Cases for workloads: Pod Security "restricted", hygiene, scaling, budgets, network policies, exposure. */

const POD = "spec.template.spec";
const CONTAINER = `${POD}.containers.0`;
const SECURITY = `${CONTAINER}.securityContext`;
const LABEL = /spec\.template\.spec\.containers\[0\] \("ivor"\)/;

const bad = (path: string, value: unknown) => () => [withProp(deployment(), path, value)];
const cronJob = () => resource(TYPES.cronJob, "blue-backup", {
    metadata: { namespace: "blkout" },
    spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: (deployment().props.spec as Record<string, unknown>).template } } },
});
const message = (text: string) => new RegExp(`${LABEL.source} ${text}`);

export const WORKLOAD_CASES: PolicyCase[] = [
    {
        policy: "pod-not-privileged",
        compliant: () => [deployment(), cronJob()],
        violations: [
            { title: "privileged", resources: bad(`${SECURITY}.privileged`, true), message: message("is privileged") },
            { title: "a Windows HostProcess pod", resources: bad(`${POD}.securityContext.windowsOptions`, { hostProcess: true }), message: /securityContext runs as a Windows HostProcess/ },
            { title: "privileged inside a CronJob", resources: () => [withProp(cronJob(), "spec.jobTemplate.spec.template.spec.containers.0.securityContext.privileged", true)], message: /spec\.jobTemplate\.spec\.template\.spec\.containers\[0\] \("ivor"\) is privileged/ },
        ],
    },
    {
        policy: "pod-no-host-namespaces",
        compliant: () => [deployment()],
        violations: [
            { title: "host network", resources: bad(`${POD}.hostNetwork`, true), message: /spec\.template\.spec\.hostNetwork is true/ },
            { title: "host PID", resources: bad(`${POD}.hostPID`, true), message: /hostPID is true/ },
        ],
    },
    {
        policy: "pod-no-host-ports",
        compliant: () => [deployment()],
        violations: [{ title: "a host port", resources: bad(`${CONTAINER}.ports.0.hostPort`, 3000), message: /containers\[0\] \("ivor"\)\.ports\[0\] binds host port 3000/ }],
    },
    {
        policy: "pod-restricted-volumes",
        compliant: () => [deployment()],
        violations: [
            { title: "a hostPath", resources: bad(`${POD}.volumes.0`, { name: "docker", hostPath: { path: "/var/run/docker.sock" } }), message: /volumes\[0\] is a hostPath volume \(a path on the node\)/ },
            { title: "an NFS volume", resources: bad(`${POD}.volumes.0`, { name: "share", nfs: { server: "10.0.0.9", path: "/" } }), message: /volumes\[0\] is a nfs volume/ },
        ],
    },
    {
        policy: "pod-no-privilege-escalation",
        compliant: () => [deployment()],
        violations: [{ title: "escalation allowed by default", resources: bad(`${SECURITY}.allowPrivilegeEscalation`, undefined), message: message("does not set allowPrivilegeEscalation: false") }],
    },
    {
        policy: "pod-run-as-non-root",
        compliant: () => [deployment(), withProp(deployment(), `${SECURITY}.runAsNonRoot`, undefined)],
        violations: [
            { title: "no runAsNonRoot anywhere", resources: () => [withProp(withProp(deployment(), `${SECURITY}.runAsNonRoot`, undefined), `${POD}.securityContext.runAsNonRoot`, undefined)], message: message("may run as root \\(runAsNonRoot is nothing\\)") },
            { title: "a container overriding to root", resources: bad(`${SECURITY}.runAsNonRoot`, false), message: message("may run as root \\(runAsNonRoot is false\\)") },
            { title: "UID 0", resources: bad(`${POD}.securityContext.runAsUser`, 0), message: /securityContext\.runAsUser is 0 \(root\)/ },
        ],
    },
    {
        policy: "pod-drop-all-capabilities",
        compliant: () => [deployment(), withProp(deployment(), `${SECURITY}.capabilities.add`, ["NET_BIND_SERVICE"])],
        violations: [
            { title: "nothing dropped", resources: bad(`${SECURITY}.capabilities`, undefined), message: message("does not drop ALL capabilities") },
            { title: "NET_ADMIN added", resources: bad(`${SECURITY}.capabilities.add`, ["NET_ADMIN"]), message: message('adds capabilities \\["NET_ADMIN"\\]') },
        ],
    },
    {
        policy: "pod-seccomp-runtime-default",
        compliant: () => [deployment(), withProp(deployment(), `${SECURITY}.seccompProfile`, undefined)],
        violations: [
            { title: "Unconfined on a container", resources: bad(`${SECURITY}.seccompProfile`, { type: "Unconfined" }), message: message('runs with seccomp profile "Unconfined"') },
            { title: "no profile at all", resources: () => [withProp(withProp(deployment(), `${SECURITY}.seccompProfile`, undefined), `${POD}.securityContext.seccompProfile`, undefined)], message: message("runs with seccomp profile nothing") },
        ],
    },
    {
        policy: "pod-security-baseline-options",
        compliant: () => [deployment(), withProp(deployment(), `${SECURITY}.seLinuxOptions`, { type: "container_t" })],
        violations: [
            { title: "AppArmor unconfined", resources: bad(`${SECURITY}.appArmorProfile`, { type: "Unconfined" }), message: message('sets appArmorProfile "Unconfined"') },
            { title: "an AppArmor annotation", resources: bad("spec.template.metadata.annotations", { "container.apparmor.security.beta.kubernetes.io/ivor": "unconfined" }), message: /annotation container\.apparmor\.security\.beta\.kubernetes\.io\/ivor is "unconfined"/ },
            { title: "an SELinux user", resources: bad(`${SECURITY}.seLinuxOptions`, { user: "system_u" }), message: message('sets SELinux user "system_u"') },
            { title: "unmasked /proc", resources: bad(`${SECURITY}.procMount`, "Unmasked"), message: message('sets procMount "Unmasked"') },
            { title: "an unsafe sysctl", resources: bad(`${POD}.securityContext.sysctls`, [{ name: "kernel.msgmax", value: "65536" }]), message: /sets sysctl "kernel\.msgmax", which is not in the safe set/ },
        ],
    },
    {
        policy: "pod-read-only-root-filesystem",
        compliant: () => [deployment()],
        violations: [{ title: "writable root", resources: bad(`${SECURITY}.readOnlyRootFilesystem`, false), message: message("has a writable root filesystem") }],
    },
    {
        policy: "pod-requests-and-limits",
        compliant: () => [deployment()],
        violations: [
            { title: "no memory limit", resources: bad(`${CONTAINER}.resources.limits`, { cpu: "2" }), message: message("has no limits for memory") },
            { title: "no resources", resources: bad(`${CONTAINER}.resources`, undefined), message: message("has no requests for cpu, memory") },
        ],
    },
    {
        policy: "pod-probes",
        compliant: () => [deployment(), cronJob()],
        violations: [{ title: "no liveness probe", resources: bad(`${CONTAINER}.livenessProbe`, undefined), message: message("has no livenessProbe") }],
    },
    {
        policy: "pod-pinned-images",
        compliant: () => [deployment(), withProp(deployment(), `${CONTAINER}.image`, `registry.digitalocean.com/blkout/ivor@sha256:${"a".repeat(64)}`),
            withProp(deployment(), `${CONTAINER}.image`, "localhost:5000/ivor:1.2.3")],
        violations: [
            { title: "latest", resources: bad(`${CONTAINER}.image`, "registry.digitalocean.com/blkout/ivor:latest"), message: message('uses image "registry\\.digitalocean\\.com/blkout/ivor:latest", which is not pinned') },
            { title: "untagged behind a registry port", resources: bad(`${CONTAINER}.image`, "localhost:5000/ivor"), message: message('uses image "localhost:5000/ivor", which is not pinned') },
        ],
    },
    {
        policy: "pod-no-service-account-token",
        compliant: () => [deployment()],
        violations: [{ title: "token mounted by default", resources: bad(`${POD}.automountServiceAccountToken`, undefined), message: /spec\.template\.spec\.automountServiceAccountToken is nothing/ }],
    },
    {
        policy: "k8s-not-default-namespace",
        compliant: () => [deployment(), pdb(), clusterIpService()],
        violations: [
            { title: "no namespace", resources: bad("metadata.namespace", undefined), message: /Deployment "blue-ivor-deployment" is in the default namespace/ },
            { title: "default, spelled out", resources: () => [withProp(clusterIpService(), "metadata.namespace", "default")], message: /Service "blue-ivor-service" is in the default namespace/ },
        ],
    },
    {
        policy: "deployment-min-replicas",
        compliant: () => [deployment()],
        violations: [
            { title: "replicas omitted (one pod)", resources: bad("spec.replicas", undefined), message: /Deployment "blue-ivor-deployment" runs 1 replica\(s\), fewer than 2/ },
            { title: "a floor raised by config", resources: () => [deployment()], config: { "deployment-min-replicas": { minReplicas: 3 } }, message: /runs 2 replica\(s\), fewer than 3/ },
        ],
    },
    {
        policy: "hpa-min-replicas",
        compliant: () => [hpa()],
        violations: [
            { title: "minReplicas omitted", resources: () => [withProp(hpa(), "spec.minReplicas", undefined)], message: /HPA "blue-ivor-hpa" may scale down to 1 replica\(s\)/ },
            { title: "max below min", resources: () => [hpa(3, 2)], message: /has maxReplicas 2 below minReplicas 3/ },
        ],
    },
    {
        policy: "hpa-max-replicas-ceiling",
        compliant: () => [hpa(2, 10)],
        violations: [{ title: "above the seeds' ceiling", resources: () => [hpa(2, 50)], message: /may scale to 50 replicas, above the ceiling of 10/ }],
    },
    {
        policy: "deployment-has-pdb",
        compliant: () => [deployment(), pdb()],
        violations: [
            { title: "no budget", resources: () => [deployment()], message: /Deployment "blue-ivor-deployment" has no PodDisruptionBudget/ },
            { title: "a budget for other pods", resources: () => [deployment(), pdb({ "app.kubernetes.io/name": "events" })], message: /has no PodDisruptionBudget/ },
            { title: "a budget that blocks drains", resources: () => [deployment(), pdb(undefined, { minAvailable: 2 })], message: /PodDisruptionBudget "blue-ivor-pdb" blocks every drain of "blue-ivor-deployment": minAvailable 2 leaves no pod of 2 free to move/ },
        ],
    },
    {
        policy: "workload-has-network-policy",
        compliant: () => [deployment(), networkPolicy()],
        violations: [
            { title: "no policy", resources: () => [deployment()], message: /Deployment "blue-ivor-deployment" has no NetworkPolicy governing its ingress/ },
            { title: "a policy selecting other pods", resources: () => [deployment(), networkPolicy({ matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["events"] }] })], message: /has no NetworkPolicy/ },
            { title: "an egress-only policy", resources: () => [deployment(), withProp(networkPolicy(), "spec.policyTypes", ["Egress"])], message: /has no NetworkPolicy governing its ingress/ },
        ],
    },
    {
        policy: "only-gateway-exposed",
        compliant: () => [gatewayService(), clusterIpService()],
        violations: [
            { title: "an API as a LoadBalancer", resources: () => [withProp(clusterIpService(), "spec.type", "LoadBalancer")], message: /Service "blue-ivor-service" is a LoadBalancer but is not the gateway \(label app\.kubernetes\.io\/component=gateway\)/ },
            { title: "a NodePort", resources: () => [withProp(clusterIpService(), "spec.type", "NodePort")], message: /is a NodePort, open on every node's public address/ },
            { title: "externalIPs", resources: () => [withProp(clusterIpService(), "spec.externalIPs", ["198.51.100.9"])], message: /claims externalIPs \["198\.51\.100\.9"\]/ },
        ],
    },
    {
        policy: "gateway-cloudflare-only",
        compliant: () => [gatewayService(), gatewayService(["2400:cb00::/32", "104.16.0.0/16"])],
        violations: [
            { title: "no source ranges", resources: () => [gatewayService([])], message: /gateway Service "blue-gateway-service" admits every address/ },
            { title: "the world", resources: () => [gatewayService(["173.245.48.0/20", "0.0.0.0/0"])], message: /admits \["0\.0\.0\.0\/0"\], outside Cloudflare's ranges/ },
        ],
    },
    {
        policy: "gateway-terminates-tls",
        compliant: () => [gatewayService(), clusterIpService()],
        violations: [
            { title: "plain HTTP on 80", resources: () => [withProp(gatewayService(), "spec.ports", [{ port: 80, targetPort: 8080 }])], message: /gateway Service "blue-gateway-service" listens on \[80\], not 443 alone/ },
            { title: "443 without a certificate", resources: () => [withProp(gatewayService(), "metadata.annotations", { "service.beta.kubernetes.io/do-loadbalancer-tls-ports": "443" })], message: /does not terminate TLS on 443 with a certificate/ },
        ],
    },
];
