/**
 * The dashboard's stylesheet, served by the Worker at /assets/app.css (no CDN:
 * the pages must work offline). Plain CSS, system fonts, light and dark.
 * Status colours always come with a word and an icon-like glyph, never alone.
 */
export const APP_CSS = `
:root {
  --bg: #f6f7f9; --panel: #fff; --text: #1d2430; --muted: #5b6576; --line: #dde1e7;
  --accent: #3b5bdb; --accent-text: #fff; --accent-soft: #e7ecff;
  --ok: #1b7a3d; --ok-bg: #e3f5e9; --warn: #8a5a00; --warn-bg: #fff3d6;
  --bad: #b42318; --bad-bg: #fde8e6; --idle: #4b5563; --idle-bg: #eceff3;
  --focus: #f59f00; --radius: 8px;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: light;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #12151b; --panel: #1a1f27; --text: #e6e9ef; --muted: #9aa4b5; --line: #2c3340;
    --accent: #7c93ff; --accent-text: #0d1020; --accent-soft: #232b45;
    --ok: #5fd38a; --ok-bg: #15301f; --warn: #f2c063; --warn-bg: #3a2e12;
    --bad: #ff8a80; --bad-bg: #3b1a18; --idle: #b6bfcc; --idle-bg: #262c36;
    color-scheme: dark;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--panel); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
code, pre, .mono { font-family: var(--mono); font-size: .88em; }

/* Top bar */
.topbar { background: var(--panel); border-bottom: 1px solid var(--line); }
.topbar .inner { max-width: 1100px; margin: 0 auto; padding: .6rem 1rem; display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; }
.brand { font-weight: 700; color: var(--text); text-decoration: none; display: flex; align-items: center; gap: .5rem; }
.brand .logo { display: inline-grid; place-items: center; width: 28px; height: 28px; border-radius: 7px; background: var(--accent); color: var(--accent-text); font-size: 14px; }
.brand .brand-logo { width: 28px; height: 28px; border-radius: 7px; object-fit: contain; }
.topbar nav { display: flex; gap: .25rem; }
.topbar nav a { padding: .35rem .7rem; border-radius: 6px; color: var(--muted); text-decoration: none; font-weight: 500; }
.topbar nav a[aria-current="page"] { background: var(--accent-soft); color: var(--accent); }
.topbar .who { margin-left: auto; display: flex; align-items: center; gap: .6rem; color: var(--muted); font-size: .9em; flex-wrap: wrap; }
.topbar .who form { margin: 0; }

main { max-width: 1100px; margin: 0 auto; padding: 1.25rem 1rem 3rem; }
.narrow { max-width: 460px; margin: 3rem auto; }
.narrow.wide { max-width: 680px; margin-top: 1rem; }
h1 { font-size: 1.5rem; margin: 0; line-height: 1.25; }
h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
h3 { font-size: 1rem; margin: 0 0 .5rem; }
.page-head { display: flex; align-items: center; justify-content: space-between; gap: 1rem; flex-wrap: wrap; margin-bottom: 1rem; }
.page-head .sub { color: var(--muted); margin: .2rem 0 0; }
.crumbs { font-size: .9em; color: var(--muted); margin-bottom: .4rem; }
.crumbs a { color: var(--muted); }
.muted { color: var(--muted); }
.small { font-size: .88em; }

.panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.1rem 1.2rem; margin-bottom: 1rem; }
.panel > :last-child { margin-bottom: 0; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 1rem; }
.grid3 { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 1rem; }

/* Buttons (the hidden attribute wins over their display, for buttons a script shows or hides) */
[hidden] { display: none !important; }
.btn, button {
  display: inline-flex; align-items: center; gap: .4rem; justify-content: center;
  font: inherit; font-weight: 600; font-size: .92em; line-height: 1.2;
  padding: .55rem .95rem; border-radius: 6px; border: 1px solid var(--line);
  background: var(--panel); color: var(--text); text-decoration: none; cursor: pointer; min-height: 38px;
}
.btn:hover, button:hover { border-color: var(--muted); }
.btn.primary, button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
.btn.danger, button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
.btn.link, button.link { background: none; border: none; color: var(--accent); padding: .3rem .4rem; min-height: 0; font-weight: 500; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.actions form { margin: 0; }
/* A webhook's action row: every control the buttons' height, centred on one line where it fits; on a phone a grid, the example picker on a row of its own. */
.webhook-actions > * { flex: none; }
.example-form { display: flex; align-items: center; gap: .4rem; margin: 0; }
.example-form label { font-weight: 600; font-size: .92em; white-space: nowrap; }
.example-form select { width: auto; max-width: 16rem; min-height: 38px; padding-block: .4rem; }
@media (max-width: 640px) {
  .webhook-actions { display: grid; grid-template-columns: repeat(3, 1fr); align-items: stretch; width: 100%; }
  .webhook-actions > form:first-child, .webhook-actions > .example-form { grid-column: 1 / -1; }
  .webhook-actions .btn, .webhook-actions button { width: 100%; white-space: nowrap; padding-inline: .5rem; }
  .webhook-actions .example-form { flex-wrap: wrap; }
  .webhook-actions .example-form label { flex-basis: 100%; }
  .webhook-actions .example-form button { width: auto; padding-inline: .95rem; }
  .example-form select { flex: 1; max-width: none; min-width: 0; }
}
.when time, .when .muted { white-space: nowrap; }
/* In a list's cells the date and the time may take two lines, so a desktop row fits without scrolling. */
td .when time { white-space: normal; }

/* Forms */
.field { margin-bottom: 1rem; }
.field > label:not(.check), .field > .label, fieldset legend { display: block; font-weight: 600; margin-bottom: .3rem; }
.hint { color: var(--muted); font-size: .86em; margin: .25rem 0 0; }
input[type=text], input[type=url], input[type=number], input[type=password], input[type=search], select, textarea {
  width: 100%; font: inherit; padding: .5rem .65rem; border: 1px solid var(--line); border-radius: 6px;
  background: var(--panel); color: var(--text);
}
textarea { min-height: 4.5rem; resize: vertical; }
.invalid input, .invalid select, .invalid textarea, .invalid .checks { border-color: var(--bad); box-shadow: 0 0 0 1px var(--bad); }
.field-error { color: var(--bad); font-size: .88em; margin: .3rem 0 0; font-weight: 500; }
.field-error::before { content: "\\26A0\\FE0E  "; }
fieldset { border: 0; padding: 0; margin: 0 0 1rem; min-width: 0; }
.checks { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
.checks .group { margin-bottom: .6rem; }
.checks .group:last-child { margin-bottom: 0; }
.checks .group-title { font-weight: 600; font-size: .85em; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; margin: .2rem 0 .3rem; }
.checks .opts { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: .15rem .75rem; }
.check { display: flex; gap: .45rem; align-items: baseline; font-weight: 400; }
.check input { margin: 0; transform: translateY(1px); }
.check code { font-size: .9em; }
.inline-form { display: flex; gap: .5rem; align-items: flex-end; flex-wrap: wrap; }
.inline-form .field { margin: 0; }

/* Notices */
.notice { border-radius: var(--radius); padding: .75rem 1rem; margin-bottom: 1rem; border: 1px solid; }
.notice.ok { background: var(--ok-bg); border-color: var(--ok); color: var(--ok); }
.notice.warn { background: var(--warn-bg); border-color: var(--warn); color: var(--warn); }
.notice.bad { background: var(--bad-bg); border-color: var(--bad); color: var(--bad); }
.notice.info { background: var(--accent-soft); border-color: var(--accent); color: var(--text); }
.notice > strong:first-child { display: block; margin-bottom: .15rem; }
.notice p { margin: .2rem 0 0; color: var(--text); }
.notice form { margin-top: .6rem; }

/* Badges: colour + glyph + word */
.badge { display: inline-flex; align-items: center; gap: .3rem; font-size: .8em; font-weight: 600; padding: .12rem .55rem; border-radius: 999px; white-space: nowrap; border: 1px solid transparent; }
.badge.ok { background: var(--ok-bg); color: var(--ok); border-color: color-mix(in srgb, var(--ok) 30%, transparent); }
.badge.warn { background: var(--warn-bg); color: var(--warn); border-color: color-mix(in srgb, var(--warn) 30%, transparent); }
.badge.bad { background: var(--bad-bg); color: var(--bad); border-color: color-mix(in srgb, var(--bad) 30%, transparent); }
.badge.idle { background: var(--idle-bg); color: var(--idle); }
.chip { display: inline-block; font-family: var(--mono); font-size: .78em; background: var(--idle-bg); color: var(--text); padding: .05rem .45rem; border-radius: 4px; margin: 0 .2rem .2rem 0; }

/* Tables */
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: var(--radius); background: var(--panel); }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .6rem .8rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8em; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; background: color-mix(in srgb, var(--bg) 60%, var(--panel)); }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:hover { background: color-mix(in srgb, var(--accent-soft) 45%, transparent); }
td.url { max-width: 280px; overflow-wrap: anywhere; font-family: var(--mono); font-size: .85em; }
td .name { font-weight: 600; }
.empty { text-align: center; padding: 2.5rem 1rem; color: var(--muted); }
.pager { display: flex; justify-content: space-between; align-items: center; margin-top: .75rem; gap: 1rem; }

dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .45rem 1.2rem; margin: 0; }
dl.facts dt { color: var(--muted); font-weight: 500; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(100px, 1fr)); gap: .6rem; }
.stat { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .75rem; }
.stat .v { font-size: 1.25rem; font-weight: 700; }
.stat .k { color: var(--muted); font-size: .82em; }

/* Secret once */
.secret-box { display: flex; gap: .5rem; align-items: stretch; margin: .75rem 0; }
.secret-box input { font-family: var(--mono); font-size: .95em; }

/* Attempts */
.attempt { border: 1px solid var(--line); border-radius: var(--radius); background: var(--panel); margin-bottom: 1rem; }
.attempt > header { display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; padding: .7rem 1rem; border-bottom: 1px solid var(--line); }
.attempt > header h3 { margin: 0; }
.attempt .body { padding: .8rem 1rem; }
.attempt details { margin-top: .6rem; }
.attempt summary { cursor: pointer; font-weight: 600; }
pre.excerpt { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .75rem; overflow: auto; max-height: 260px; white-space: pre-wrap; overflow-wrap: anywhere; margin: .4rem 0 0; }
/* The webhook page's activity chart (activity-chart.tsx). */
.activity { margin: 0; }
.chart { width: 100%; height: auto; display: block; }
.chart .ok, .key.ok { fill: var(--ok); color: var(--ok); }
.chart .bad, .key.bad { fill: var(--bad); color: var(--bad); }
.chart .wait, .key.wait { fill: var(--idle); color: var(--idle); }
.chart .p95-line { fill: none; stroke: var(--accent); stroke-width: 1.5; }
.chart .p95-dot { fill: var(--accent); }
.key.p95, .chart .tick.p95 { color: var(--accent); fill: var(--accent); }
.chart .axis, .chart .grid { stroke: var(--line); }
.chart .tick { fill: var(--muted); font-size: 10px; }
code.filter { white-space: pre-wrap; }
table.kv td, table.kv th { padding: .3rem .6rem; font-size: .86em; }
table.kv td:first-child { font-family: var(--mono); white-space: nowrap; color: var(--muted); }
table.kv td:last-child { font-family: var(--mono); overflow-wrap: anywhere; }

footer.site { max-width: 1100px; margin: 0 auto; padding: 0 1rem 2rem; color: var(--muted); font-size: .85em; }

@media (max-width: 640px) {
  main { padding: 1rem .75rem 2rem; }
  .narrow { margin: 1.5rem auto; }
  .topbar .who { margin-left: 0; width: 100%; }
  /* Tables become stacked cards at phone width. */
  table.responsive thead { position: absolute; left: -9999px; }
  table.responsive tr { display: block; border-bottom: 1px solid var(--line); padding: .5rem 0; }
  table.responsive td { display: block; position: relative; border: 0; padding: .3rem .8rem .3rem 7.5rem; min-height: 2rem; overflow-wrap: anywhere; }
  table.responsive td::before { content: attr(data-label); position: absolute; left: .8rem; top: .45rem; width: 6.2rem; color: var(--muted); font-size: .72rem; font-family: system-ui, sans-serif; font-weight: 600; text-transform: uppercase; }
  td.url { max-width: none; }
  dl.facts { grid-template-columns: 1fr; gap: .1rem; }
  dl.facts dd { margin-bottom: .5rem; }
  .secret-box { flex-direction: column; }
}
`;
