/// <reference types="vite/client" />
/**
 * The event fixtures (test/fixtures/events/<type>.json, built from the field
 * lists of shared/reference/wire-formats.md). `<type>.puppet.json` is the
 * Puppet Pipelines payload of a type Djinn CI shares (build.started/finished).
 */
const files = import.meta.glob<Record<string, unknown>>("../fixtures/events/*.json", { eager: true, import: "default" });

export type EventFixture = { file: string; type: string; data: Record<string, unknown> };

export const eventFixtures: EventFixture[] = Object.entries(files).map(([path, data]) => {
  const file = path.split("/").pop()!.replace(/\.json$/, "");
  return { file, type: file.replace(/\.puppet$/, ""), data };
});

export function fixture(file: string): Record<string, unknown> {
  const f = eventFixtures.find((x) => x.file === file);
  if (!f) throw new Error(`no fixture ${file}`);
  return structuredClone(f.data);
}
