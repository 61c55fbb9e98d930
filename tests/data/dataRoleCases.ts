import { TYPES } from "../../policies/lib/resources";
import { PolicyCase, resource } from "../policies/helpers";

/** Cases for policies/dataRoles.ts, run by the policy catalogue test beside every other policy's. */

const SECRET = "kubernetes:core/v1:Secret";
const owner = () => resource(TYPES.stackReference, "green-data-owner", { name: "organization/blkout-platform/blue" }, { stack: "green" });
const own = () => resource(TYPES.databaseCluster, "green-data-candidate-pg", { engine: "pg", version: "17" }, { stack: "green", protect: true });
const ownUser = () => resource("digitalocean:index/databaseUser:DatabaseUser", "green-data-candidate-ivor-user", { name: "ivor" }, { stack: "green", deps: { clusterId: [own()] } });
/** The follower side's metrics login: a user the candidate stack declares on the owner's cluster. */
const ownersClusterUser = () => resource("digitalocean:index/databaseUser:DatabaseUser", "green-data-metrics-user", { name: "green_data_metrics" }, { stack: "green", deps: { clusterId: [owner()] } });
const exporterSecret = () => resource(SECRET, "green-data-exporters-postgres-exporter-secret", { stringData: { url: "postgresql://..." } }, { stack: "green", deps: { stringData: [ownersClusterUser()] } });
const appSecret = (...from: ReturnType<typeof resource>[]) => resource(SECRET, "green-ivor-credentials", { stringData: { DATABASE_URL: "postgresql://..." } }, { stack: "green", deps: { stringData: from } });

export const DATA_ROLE_CASES: PolicyCase[] = [
    {
        policy: "candidate-no-application-writes",
        compliant: () => [owner(), own(), appSecret(owner()), ownersClusterUser(), exporterSecret()],
        violations: [
            {
                title: "app credentials from the candidate's cluster",
                resources: () => [owner(), own(), appSecret(owner(), own())],
                message: /"green-ivor-credentials" is built from the candidate's own green-data-candidate-pg: the applications would write to the candidate/,
            },
            {
                title: "app credentials from the candidate's user",
                resources: () => [owner(), own(), ownUser(), appSecret(ownUser())],
                message: /built from the candidate's own green-data-candidate-ivor-user/,
            },
        ],
    },
];
