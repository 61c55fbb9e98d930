/**
 * The switch CLI as its own process for the crash test: the real `runCli`, with the traffic double
 * driving the test edge named in SWITCH_TEST_EDGE and the colour outputs in SWITCH_TEST_OUTPUTS.
 */
import { runCli } from "../../../switch/cli";
import { assembleDeps } from "../../../switch/wiring";
import { EdgeWeights } from "./edge";
import { RecordingTraffic } from "./trafficDouble";

const traffic = new RecordingTraffic(new EdgeWeights(process.env.SWITCH_TEST_EDGE!), JSON.parse(process.env.SWITCH_TEST_OUTPUTS!));
runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
    async (options, io, reporter) => assembleDeps(options, io, reporter, traffic))
    .then(code => { process.exitCode = code; });
