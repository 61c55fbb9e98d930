import { runTrafficProgram } from "./program";

// The traffic stack's entry point (`main` in infra/traffic/Pulumi.yaml): its exports are the stack outputs.
export = runTrafficProgram();
