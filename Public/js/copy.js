// Copies the complaint receipt to the clipboard (no inline script: the pages' CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("copy-receipt");
  var receipt = document.getElementById("receipt");
  if (!button || !receipt || !navigator.clipboard) return;
  button.addEventListener("click", function () { navigator.clipboard.writeText(receipt.textContent); });
});
