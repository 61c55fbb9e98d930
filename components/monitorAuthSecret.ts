import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MONITOR_AUTH_FILE, renderMonitorTokenMap } from "./monitorAuth";

// Apart from monitorAuth.ts so the policy pack, which reads its constants, never loads the Kubernetes SDK.

/** The Kubernetes Secret holding the token's nginx map (never the ConfigMap), mounted at MONITOR_AUTH_DIR. */
export function monitorAuthSecret(name: string, namespace: pulumi.Input<string>, labels: Record<string, string>, token: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(name, {
        metadata: { name, namespace, labels },
        type: "Opaque",
        stringData: { [MONITOR_AUTH_FILE]: pulumi.secret(pulumi.output(token).apply(renderMonitorTokenMap)) },
    }, opts);
}
