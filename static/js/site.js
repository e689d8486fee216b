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
