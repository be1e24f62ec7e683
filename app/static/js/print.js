// "Afdrukken" buttons (data-print) are hidden until this script shows them: without
// JavaScript the page says to use Ctrl+P instead.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
