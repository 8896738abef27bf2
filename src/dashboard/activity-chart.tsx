/**
 * The webhook page's 7-day chart, drawn on the server as SVG (no script):
 * one stacked bar per hour (succeeded, failed, pending deliveries) on the
 * left scale and the hour's p95 response time as a line on the right scale.
 * Colours come from the stylesheet (classes), so dark mode applies; each bar
 * carries a <title> a pointer shows, and the figure a text summary.
 */
import type { FC } from "hono/jsx";
import type { Activity } from "./types";

const BAR = 4;
const W = 168 * BAR;
const H = 120;
const PAD = { left: 34, right: 64, top: 8, bottom: 20 };

type Hour = Activity["hours"][number];

const total = (h: Hour) => h.succeeded + h.failed + h.pending;

/** A round axis maximum at or above `n` (1, 2, 5 × 10^k). */
function niceMax(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= n) ?? 10 * p;
}

const day = (iso: string) => new Date(iso).toLocaleDateString("en-GB", { weekday: "short", day: "numeric", timeZone: "UTC" });

export const ActivityChart: FC<{ activity: Activity }> = ({ activity }) => {
  const hours = activity.hours;
  const maxCount = niceMax(Math.max(0, ...hours.map(total)));
  const maxMs = niceMax(Math.max(0, ...hours.map((h) => h.p95_ms ?? 0)));
  const y = (count: number) => (count / maxCount) * H;
  const sum = (k: "succeeded" | "failed" | "pending") => hours.reduce((n, h) => n + h[k], 0);
  const firstFailure = hours.find((h) => h.failed > 0);
  const summary =
    `Last 7 days: ${sum("succeeded")} succeeded, ${sum("failed")} failed, ${sum("pending")} pending deliveries.` +
    (firstFailure ? ` First failures in the hour from ${firstFailure.hour}.` : " No failures.");
  // The p95 line: one point per hour that has a time, broken where an hour has none.
  const segments: string[][] = [[]];
  hours.forEach((h, i) => {
    if (h.p95_ms === null) return void (segments[segments.length - 1].length && segments.push([]));
    segments[segments.length - 1].push(`${i * BAR + BAR / 2},${(H - (h.p95_ms / maxMs) * H).toFixed(1)}`);
  });
  return (
    <figure class="activity">
      <svg
        class="chart"
        viewBox={`0 0 ${W + PAD.left + PAD.right} ${H + PAD.top + PAD.bottom}`}
        role="img"
        aria-labelledby="activity-title activity-desc"
        xmlns="http://www.w3.org/2000/svg"
      >
        <title id="activity-title">Deliveries per hour and p95 response time, last 7 days</title>
        <desc id="activity-desc">{summary}</desc>
        <g transform={`translate(${PAD.left},${PAD.top})`}>
          <line class="axis" x1="0" y1={H} x2={W} y2={H} />
          <text class="tick" x="-4" y="8" text-anchor="end">
            {maxCount}
          </text>
          <text class="tick" x="-4" y={H} text-anchor="end">
            0
          </text>
          <text class="tick p95" x={W + 4} y="8">
            {maxMs} ms
          </text>
          {hours.map((h, i) =>
            h.hour.endsWith("T00:00:00.000Z") ? (
              <>
                <line class="grid" x1={i * BAR} y1="0" x2={i * BAR} y2={H} />
                <text class="tick" x={i * BAR + 2} y={H + 14}>
                  {day(h.hour)}
                </text>
              </>
            ) : null,
          )}
          {hours.map((h, i) => {
            if (total(h) === 0) return null;
            const ok = y(h.succeeded);
            const bad = y(h.failed);
            const wait = y(h.pending);
            const x = i * BAR;
            return (
              <g class="bar" data-hour={h.hour}>
                <title>
                  {`${h.hour.slice(0, 13)}:00 UTC: ${h.succeeded} succeeded, ${h.failed} failed, ${h.pending} pending` +
                    (h.p95_ms === null ? "" : `, p95 ${h.p95_ms} ms`)}
                </title>
                {h.succeeded ? <rect class="ok" x={x} y={H - ok} width={BAR - 1} height={ok} /> : null}
                {h.failed ? <rect class="bad" x={x} y={H - ok - bad} width={BAR - 1} height={bad} /> : null}
                {h.pending ? <rect class="wait" x={x} y={H - ok - bad - wait} width={BAR - 1} height={wait} /> : null}
              </g>
            );
          })}
          {segments
            .filter((s) => s.length > 0)
            .map((s) => (s.length === 1 ? <circle class="p95-dot" cx={s[0].split(",")[0]} cy={s[0].split(",")[1]} r="1.5" /> : <polyline class="p95-line" points={s.join(" ")} />))}
        </g>
      </svg>
      <figcaption class="small muted">
        <span class="key ok">■</span> succeeded <span class="key bad">■</span> failed <span class="key wait">■</span> pending{" "}
        <span class="key p95">━</span> p95 response time (right scale). Hours in UTC.
      </figcaption>
    </figure>
  );
};
