import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string }; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

/** Where a frame's code comes from: a package, the gateway's own code, Node's internals, or the VM (GC, idle). */
function originOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node (core)';
  const own = /\/(dist\/)?(src|bench)\/(.+?)\.(js|ts)$/.exec(url);
  if (own) return `gateway: ${own[2]}/${own[3]!.split('/')[0]}`;
  return url;
}

/** Self time by origin and by function, in % of the busy samples, from every .cpuprofile in `dir`. */
export async function summarizeProfiles(dir: string, top = 15): Promise<{ byOrigin: [string, number][]; byFunction: [string, number][] }> {
  const origins = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, index) => {
      const node = nodes.get(id);
      if (!node) return;
      const micros = profile.timeDeltas[index] ?? 0;
      const origin = originOf(node.callFrame.url, node.callFrame.functionName);
      // Shares of the time the process was busy: waiting for load or for the database is not cost.
      if (origin === '(idle)') return;
      total += micros;
      origins.set(origin, (origins.get(origin) ?? 0) + micros);
      const name = `${node.callFrame.functionName || '(anonymous)'} [${origin}]`;
      functions.set(name, (functions.get(name) ?? 0) + micros);
    });
  }
  const share = (entries: Map<string, number>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]): [string, number] => [name, Math.round((micros / Math.max(total, 1)) * 1000) / 10]);
  return { byOrigin: share(origins), byFunction: share(functions) };
}
