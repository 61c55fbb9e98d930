import { parseColourUrls } from "../../switch/colourUrls";

describe("parseColourUrls", () => {
    it("gives one URL to both colours", () => {
        expect(parseColourUrls("--x", "http://127.0.0.1:9090")).toEqual({
            urls: { blue: "http://127.0.0.1:9090", green: "http://127.0.0.1:9090" }, problems: [],
        });
    });

    it("reads one URL per colour, in any order, with spaces", () => {
        expect(parseColourUrls("--x", " green=https://g.example:9091/ , blue=http://127.0.0.1:9090").urls).toEqual({
            blue: "http://127.0.0.1:9090", green: "https://g.example:9091/",
        });
    });

    it.each([
        ["blue=http://127.0.0.1:9090", "--x: expected a URL for green too"],
        ["blue=http://a:1,blue=http://b:2,green=http://c:3", "--x: blue is given twice"],
        ["red=http://a:1,blue=http://b:2,green=http://c:3", "expected blue or green before \"=\", got \"red\""],
        ["blue=ftp://a,green=http://c:3", "--x: blue: expected an http(s) URL, got \"ftp://a\""],
        ["http://a:1,http://b:2", "--x: expected one URL, or blue=URL,green=URL"],
        ["", "--x: expected one URL, or blue=URL,green=URL"],
        ["not a url", "expected an http(s) URL, got \"not a url\""],
        ["http://user:secret@127.0.0.1:9090", "expected a URL without credentials"],
    ])("refuses %j, naming the flag", (raw, message) => {
        const result = parseColourUrls("--x", raw);
        expect(result.urls).toBeUndefined();
        expect(result.problems.join("\n")).toContain(message);
    });

    it("reports every problem at once", () => {
        expect(parseColourUrls("--x", "blue=nope,green=ftp://x").problems).toHaveLength(2);
    });

    it("says a bad URL meant for both colours once", () => {
        expect(parseColourUrls("--x", "ftp://x").problems).toEqual(['--x: expected an http(s) URL, got "ftp://x"']);
    });

    it("never echoes a password it refuses", () => {
        expect(parseColourUrls("--x", "blue=http://u:hunter2@a:1,green=http://b:2").problems.join("\n")).not.toContain("hunter2");
    });
});
