/**
 * /assets/copy.js: "Copy" buttons next to a secret. Everything else works
 * with plain forms; without script the secret stays selectable in its
 * read-only field.
 */
export const COPY_JS = `
document.querySelectorAll("[data-copy]").forEach(function (btn) {
  btn.hidden = false;
  btn.addEventListener("click", function () {
    var field = document.getElementById(btn.getAttribute("data-copy"));
    if (!field) return;
    var done = function () { btn.textContent = "Copied"; setTimeout(function () { btn.textContent = "Copy"; }, 2000); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { field.select(); document.execCommand("copy"); done(); });
    } else { field.select(); document.execCommand("copy"); done(); }
  });
});
`;
