// Copies the complaint receipt to the clipboard, and runs the back and print links (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("copy-receipt");
  var receipt = document.getElementById("receipt");
  if (!button || !receipt || !navigator.clipboard) return;
  button.addEventListener("click", function () { navigator.clipboard.writeText(receipt.textContent); });
});

// Links that go back or print (no `javascript:` URLs: the CSP forbids them).
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("[data-action]");
  if (!link) return;
  event.preventDefault();
  if (link.getAttribute("data-action") === "back") history.back();
  if (link.getAttribute("data-action") === "print") window.print();
});

// Irreversible actions ask first: a form or button with data-confirm="…" submits only when the
// person agrees.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
