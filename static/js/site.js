// Small progressive enhancements. Every page also works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // Buttons that submit a form once: a double tap must not send twice.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        window.setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });
});

// Copy buttons: <button data-copy-target="ID" data-copied-text="コピーしました">.
// Without JavaScript (or clipboard access) the text stays there to select by hand.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy-target]");
  if (!button || !navigator.clipboard) { return; }
  var source = document.getElementById(button.dataset.copyTarget);
  if (!source) { return; }
  var label = button.textContent;
  navigator.clipboard.writeText(source.value !== undefined ? source.value : source.textContent).then(function () {
    button.textContent = button.dataset.copiedText || "コピーしました";
    window.setTimeout(function () { button.textContent = label; }, 2500);
  });
});
