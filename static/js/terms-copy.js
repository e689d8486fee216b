// 取引条件チェッカー: copy the drafted request with one tap.
// Without JavaScript the button stays hidden and the text can be selected by hand.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var area = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.querySelector("[data-copy-status]");
    if (!area) { return; }
    button.hidden = false;

    function report(ok) {
      if (!status) { return; }
      status.textContent = ok
        ? "コピーしました。メールやメッセージに貼り付けて使えます。"
        : "コピーできませんでした。文例を長押しして選び、コピーしてください。";
    }

    function copyBySelecting() {
      area.focus();
      area.select();
      try { return document.execCommand("copy"); } catch (e) { return false; }
    }

    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(area.value).then(
          function () { report(true); },
          function () { report(copyBySelecting()); }
        );
      } else {
        report(copyBySelecting());
      }
    });
  });
});
