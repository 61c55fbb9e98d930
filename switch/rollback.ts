import { Clock } from "./clock";
import type { EngineSettings, Run, SwitchEngine } from "./engine";
import { Colour, formatWeights, liveColourOf, sameWeights, Weights } from "./plan";
import { replay } from "./record";
import { TrafficStack } from "./traffic";

/**
 * The rollback's traffic update, and nothing else: no journal write, no lock renewal, no metrics
 * read stands between the decision and the load balancer. Retries like any update; the weights
 * read back, or the last error.
 */
export async function applyRollback(traffic: TrafficStack, weights: Weights, liveColour: Colour, settings: Pick<EngineSettings, "updateAttempts" | "retryDelayMs">, clock: Clock): Promise<{ weights?: Weights; error?: string }> {
    let error = "";
    for (let attempt = 1; attempt <= settings.updateAttempts; attempt++) {
        try {
            const applied = await traffic.setWeights(weights, liveColour);
            if (sameWeights(applied, weights)) {
                return { weights: applied };
            }
            error = `the load balancer reports ${formatWeights(applied)}, expected ${formatWeights(weights)}`;
        } catch (err) {
            error = (err as Error).message.split("\n")[0];
        }
        if (attempt < settings.updateAttempts) {
            await clock.sleep(settings.retryDelayMs * 2 ** (attempt - 1));
        }
    }
    return { error: `after ${settings.updateAttempts} attempts: ${error}` };
}

/**
 * This run's update landed after another run had taken the lock over (its lease lapsed while the
 * update was in flight). The run decides nothing any more: it puts back the weights the current
 * holder last read back from the load balancer, when it has, and leaves a notice in the journal.
 * When the holder has not updated yet, its own update queues behind ours on the traffic stack and
 * lands after it, so there is nothing to undo.
 */
export async function correctLateUpdate(engine: SwitchEngine, run: Run, landed: Weights): Promise<void> {
    const { journal, traffic, reporter } = engine.deps;
    const record = replay((await journal.read(run.switchId)).entries);
    const rightful = record && record.fence > run.holder.fence ? record.verified : undefined;
    if (!rightful || sameWeights(rightful, landed)) {
        return;
    }
    const corrected = await traffic.setWeights(rightful, liveColourOf(rightful) ?? record!.from);
    reporter.report({ kind: "notice", line: `a late update of this fenced-off run landed (${formatWeights(landed)}); put back the current holder's ${formatWeights(corrected)}` });
    await engine.journal(run, { type: "late-update", landed, corrected }).catch(() => undefined);
}
