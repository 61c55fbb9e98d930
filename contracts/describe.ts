/** How a bad value is quoted in a message: strings quoted, objects as JSON, missing as "nothing". */
export function describeValue(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    return JSON.stringify(value) ?? String(value);
}
