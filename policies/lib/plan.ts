import { isRecord, typeOf } from "./resources";

/**
 * The planned operations of a preview, read from either form Pulumi produces: the document of
 * `pulumi preview --json` (`{ steps: [{ op, urn, oldState, newState, ... }] }`), or the engine
 * events of the Automation API (`onEvent`, or `--event-log` lines: `{ resourcePreEvent: { metadata:
 * { op, urn, type, old, new } } }`).
 */

export interface PlannedState {
    readonly type: string;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly inputs: Record<string, unknown>;
    readonly outputs: Record<string, unknown>;
}

export interface PlannedStep {
    readonly op: string;
    readonly urn: string;
    readonly type: string;
    readonly old?: PlannedState;
    readonly new?: PlannedState;
    /** Properties that force the replacement, when the engine says. */
    readonly replaceReasons: readonly string[];
}

/** A preview document that is neither form: says what was expected. */
export class PlanFormatError extends Error {
    constructor(detail: string) {
        super(`not a Pulumi preview: ${detail}. Expected the output of \`pulumi preview --json\` (an object with a "steps" list) `
            + "or Automation API engine events (a list, or an object with an \"events\" list, of { resourcePreEvent: ... }).");
        this.name = "PlanFormatError";
        this.stack = `${this.name}: ${this.message}`;
    }
}

function state(value: unknown): PlannedState | undefined {
    if (!isRecord(value)) {
        return undefined;
    }
    return {
        type: typeof value.type === "string" ? value.type : "",
        protect: value.protect === true,
        retainOnDelete: value.retainOnDelete === true,
        inputs: isRecord(value.inputs) ? value.inputs : {},
        outputs: isRecord(value.outputs) ? value.outputs : {},
    };
}

function step(op: unknown, urn: unknown, type: unknown, old: unknown, next: unknown, reasons: unknown, where: string): PlannedStep {
    if (typeof op !== "string" || typeof urn !== "string") {
        throw new PlanFormatError(`${where} has no string "op" and "urn"`);
    }
    const oldState = state(old);
    const newState = state(next);
    return {
        op,
        urn,
        type: typeof type === "string" && type !== "" ? type : newState?.type || oldState?.type || typeOf(urn),
        ...(oldState ? { old: oldState } : {}),
        ...(newState ? { new: newState } : {}),
        replaceReasons: Array.isArray(reasons) ? reasons.map(String) : [],
    };
}

function fromEvents(events: readonly unknown[]): PlannedStep[] {
    return events.flatMap((event, index) => {
        const metadata = isRecord(event) && isRecord(event.resourcePreEvent) ? event.resourcePreEvent.metadata : undefined;
        return isRecord(metadata)
            ? [step(metadata.op, metadata.urn, metadata.type, metadata.old, metadata.new, metadata.keys, `events[${index}].resourcePreEvent.metadata`)]
            : [];
    });
}

/** The planned steps of a parsed preview document or event list. */
export function plannedSteps(document: unknown): PlannedStep[] {
    if (Array.isArray(document)) {
        return fromEvents(document);
    }
    if (!isRecord(document)) {
        throw new PlanFormatError(`got ${document === null ? "null" : typeof document}`);
    }
    if (Array.isArray(document.steps)) {
        return document.steps.map((entry, index) => {
            const item = isRecord(entry) ? entry : {};
            const type = isRecord(item.newState) ? item.newState.type : isRecord(item.oldState) ? item.oldState.type : undefined;
            return step(item.op, item.urn, type, item.oldState, item.newState, item.replaceReasons, `steps[${index}]`);
        });
    }
    if (Array.isArray(document.events)) {
        return fromEvents(document.events);
    }
    throw new PlanFormatError(`the object has no "steps" or "events" list (keys: ${Object.keys(document).join(", ") || "none"})`);
}

/** The stack config the preview ran with (secrets blinded by the CLI), from the digest or the prelude event. */
export function previewConfig(document: unknown): Record<string, unknown> {
    const events = Array.isArray(document) ? document : isRecord(document) && Array.isArray(document.events) ? document.events : [];
    const prelude = events.find(event => isRecord(event) && isRecord(event.preludeEvent));
    const config = isRecord(document) && isRecord(document.config) ? document.config : isRecord(prelude) && isRecord(prelude.preludeEvent) ? prelude.preludeEvent.config : {};
    return isRecord(config) ? config : {};
}

/** Parses `pulumi preview --json` output, or an event log with one JSON event per line. */
export function parsePreviewText(text: string): unknown {
    const trimmed = text.trim();
    if (trimmed === "") {
        throw new PlanFormatError("the input is empty");
    }
    try {
        return JSON.parse(trimmed);
    } catch {
        const lines = trimmed.split(/\r?\n/).filter(line => line.trim() !== "");
        try {
            return lines.map(line => JSON.parse(line) as unknown);
        } catch (error) {
            throw new PlanFormatError(`the input is not JSON (${(error as Error).message})`);
        }
    }
}
