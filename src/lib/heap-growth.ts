import { setFlagsFromString } from 'node:v8';

// Imported by the server's entry point, beside the WebAssembly tiering. After each full
// collection V8 lets the old generation grow to a multiple of what survived before it collects
// again. On a machine with memory to spare it picks that multiple itself, up to 4×, and under
// load this gateway's heap sat at about three times its live data (a 212 MB heap collected down
// to 74 MB). The bench's 100,000-tenant scale run peaked at 961 MB resident that way, at 535 MB
// with the growth fixed at 50 % and at 483–507 MB at 20 %, its reads no slower. The price is
// more full collections: at 50 % about one in an 11 s run of cached reads at half of peak (V8
// marks concurrently; the final pause measured 5–13 ms), where V8's own choice had none. It
// replaces a `--heap-growing-percent` given to node itself, unless HEAP_GROWTH_PERCENT is 0.

/** HEAP_GROWTH_PERCENT: the old generation's growth between full collections; 0 leaves it to V8. */
export function heapGrowthPercent(setting: string | undefined): number {
  if (setting === undefined || setting === '') return 50;
  // The same rule as env.ts, which refuses anything else at start; until then, V8's own.
  return /^(?:[0-9]|[1-9][0-9]|[12][0-9]{2}|300)$/.test(setting) ? Number(setting) : 0;
}

const percent = heapGrowthPercent(process.env.HEAP_GROWTH_PERCENT);
if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
