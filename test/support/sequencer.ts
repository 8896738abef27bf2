/**
 * The order test files start in (vitest's `sequence.sequencer`). Both
 * projects share one pool of workers, so a file that mostly waits (on a
 * restarted dispatcher, the sweep, a retry schedule) should start first and
 * overlap everything else, not run alone at the end. Vitest's own order
 * starts the slowest files first only from a previous run's timings, which a
 * fresh clone does not have; these are the files that take longest on a
 * 2-core machine (vitest's per-file durations, docs/development.md).
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";

const START_FIRST = [
  "test/node/soak.test.ts",
  "test/node/ordering-restart.test.ts",
  "test/ordering.test.ts",
  "test/isolation.test.ts",
  "test/node/bench-smoke.test.ts",
  "test/delivery.test.ts",
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = START_FIRST.findIndex((f) => spec.moduleId.endsWith(f));
      return i < 0 ? START_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
