import { runColourProgram } from "./colourProgram";

// The colour stacks' entry point (`main` in Pulumi.yaml): its exports are the stack outputs.
export = runColourProgram();
