/**
 * Which registry a container image comes from, and which of those a DigitalOcean cluster can pull
 * from. Shared by the colour stack (to turn on registry integration when it is needed) and the
 * policy pack (to refuse an image no credentials reach).
 */

/** DigitalOcean Container Registry's host. */
export const DIGITALOCEAN_REGISTRY = "registry.digitalocean.com";

/** Docker Hub, the registry of an image reference without a host (e.g. `nginxinc/nginx-unprivileged`). */
export const DOCKER_HUB = "docker.io";

/** Quay, where the Prometheus project publishes its official images (Prometheus, Alertmanager, blackbox exporter). */
export const QUAY = "quay.io";

/**
 * The registry host of an image reference. A first path segment is a host only when it has a dot or
 * a port, or is `localhost` (the rule Docker's reference parser applies); otherwise it is Docker Hub.
 */
export function registryOf(image: string): string {
    const slash = image.indexOf("/");
    if (slash < 0) {
        return DOCKER_HUB;
    }
    const first = image.slice(0, slash);
    return first.includes(".") || first.includes(":") || first === "localhost" ? first : DOCKER_HUB;
}

/** True when any of the images is in DigitalOcean's registry, so the cluster needs registry integration. */
export function needsRegistryIntegration(images: readonly string[]): boolean {
    return images.some(image => registryOf(image) === DIGITALOCEAN_REGISTRY);
}
