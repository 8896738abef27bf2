/**
 * /assets/format-events.js, on the webhook form: choosing another format
 * presses "Show the chosen format's events", so the form comes back at once
 * offering that format's events (input kept). Without script the button is
 * pressed by hand.
 */
export const FORMAT_EVENTS_JS = `
(function () {
  var select = document.getElementById("format");
  var btn = document.getElementById("show-events");
  if (!select || !btn || !btn.form || !btn.form.requestSubmit) return;
  btn.hidden = true;
  select.addEventListener("change", function () { btn.form.requestSubmit(btn); });
})();
`;
