/**
 * The policies use the program's one address library (components/cidr.ts, on ipaddr.js), so a range
 * the program accepts and a range the pack checks are read by the same code.
 */
export { insideAny, parseRange, rangeContains, rangesOverlap } from "../../components/cidr";
export type { IpRange } from "../../components/cidr";
