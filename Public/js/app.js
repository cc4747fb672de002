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
