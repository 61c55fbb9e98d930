import { Colour, COLOURS } from "../components/platformNames";

/** One base URL per colour: each colour's Prometheus (or Pushgateway) sees only its own cluster. */
export type ColourUrls = Readonly<Record<Colour, string>>;

/**
 * Reads a flag that names one URL for both colours (`http://127.0.0.1:9090`) or one per colour
 * (`blue=http://127.0.0.1:9090,green=http://127.0.0.1:9091`). Every problem names the flag. URLs
 * with credentials are refused: the value is journaled and printed, and a token has its own variable.
 */
export function parseColourUrls(flag: string, raw: string): { readonly urls?: ColourUrls; readonly problems: string[] } {
    const problems: string[] = [];
    const parts = raw.split(",").map(part => part.trim()).filter(part => part !== "");
    const perColour = parts.some(part => /^[a-z]+=/.test(part));
    const entries: [string, string][] = perColour
        ? parts.map(part => { const at = part.indexOf("="); return at < 0 ? ["", part] : [part.slice(0, at), part.slice(at + 1)]; })
        : parts.length === 1 ? COLOURS.map(colour => [colour, parts[0]]) : [];
    if (!perColour && parts.length !== 1) {
        problems.push(`${flag}: expected one URL, or ${COLOURS.map(c => `${c}=URL`).join(",")}, got ${JSON.stringify(raw)}`);
    }
    const urls: Partial<Record<Colour, string>> = {};
    for (const [colour, url] of entries) {
        if (!(COLOURS as readonly string[]).includes(colour)) {
            problems.push(`${flag}: expected ${COLOURS.join(" or ")} before "=", got ${JSON.stringify(colour)} in ${JSON.stringify(raw)}`);
        } else if (urls[colour as Colour] !== undefined && perColour) {
            problems.push(`${flag}: ${colour} is given twice`);
        } else {
            const problem = urlProblem(url);
            if (problem) problems.push(`${flag}: ${perColour ? `${colour}: ` : ""}${problem}`);
            urls[colour as Colour] = url;
        }
    }
    for (const colour of perColour ? COLOURS : []) {
        if (urls[colour] === undefined) problems.push(`${flag}: expected a URL for ${colour} too (${COLOURS.map(c => `${c}=URL`).join(",")})`);
    }
    // One URL for both colours is checked once per colour: its problem is said once.
    return problems.length > 0 ? { problems: [...new Set(problems)] } : { urls: urls as ColourUrls, problems };
}

function urlProblem(value: string): string | undefined {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return `expected an http(s) URL, got ${JSON.stringify(value)}`;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return `expected an http(s) URL, got ${JSON.stringify(value)}`;
    if (url.username || url.password) return "expected a URL without credentials (they would be journaled and printed)";
    return undefined;
}
