/**
 * The event fixtures: the catalog's own examples (src/events/examples/,
 * built from the field lists of shared/reference/wire-formats.md).
 * `<type>.puppet` is the Puppet Pipelines payload of a type Djinn CI shares
 * (build.started/finished). Real senders' samples are in test/fixtures/real/.
 */
import { examplePayloads } from "../../src/events/examples";

export type EventFixture = { file: string; type: string; data: Record<string, unknown> };

export const eventFixtures: EventFixture[] = Object.entries(examplePayloads).map(([file, data]) => ({
  file,
  type: file.replace(/\.puppet$/, ""),
  data,
}));

export function fixture(file: string): Record<string, unknown> {
  const f = eventFixtures.find((x) => x.file === file);
  if (!f) throw new Error(`no fixture ${file}`);
  return structuredClone(f.data);
}
