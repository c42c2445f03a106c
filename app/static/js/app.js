// Sổ điện tử — small progressive enhancements. No inline scripts (CSP: script-src 'self').
(function () {
  "use strict";

  // Errors htmx does not swap (403, 404, 500, network): show them instead of failing silently.
  function toast(message) {
    var box = document.getElementById("toast");
    if (!box) {
      box = document.createElement("div");
      box.id = "toast";
      box.className = "toast";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = message;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 6000);
  }
  window.sodientuToast = toast;

  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    var text = "";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var strong = doc.querySelector(".error-box strong");
      text = strong ? strong.textContent : "";
    } catch (e) { text = ""; }
    toast(text || ("Lỗi " + xhr.status + ". Thao tác chưa được thực hiện."));
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại; dữ liệu chưa được lưu.");
  });

  // <button data-print>: print the page (the daily audit digest, documents to sign).
  document.addEventListener("click", function (evt) {
    var el = evt.target.closest("[data-print]");
    if (el) {
      evt.preventDefault();
      window.print();
    }
  });

  // Confirmation without inline script: <button data-confirm="Câu hỏi?" data-confirm-ok="Duyệt">.
  // The click is held while a dialog asks; the confirming button replays it, "Huỷ" or Esc
  // drops it. Works for plain forms, links and htmx-triggered elements alike.
  var replaying = null;

  function confirmDialog() {
    var dialog = document.getElementById("confirm-dialog");
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-text");
    var text = document.createElement("p");
    text.id = "confirm-dialog-text";
    var actions = document.createElement("div");
    actions.className = "actions";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = "Huỷ";
    cancel.addEventListener("click", function () { dialog.close(); });
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "primary";
    ok.id = "confirm-dialog-ok";
    ok.addEventListener("click", function () {
      var target = dialog._target;
      dialog.close();
      if (target && target.isConnected) {
        replaying = target;
        target.click();
      }
    });
    actions.appendChild(cancel);
    actions.appendChild(ok);
    dialog.appendChild(text);
    dialog.appendChild(actions);
    document.body.appendChild(dialog);
    return dialog;
  }

  document.addEventListener("click", function (evt) {
    var el = evt.target.closest("[data-confirm]");
    if (!el) { return; }
    if (replaying === el) { replaying = null; return; }
    evt.preventDefault();
    evt.stopImmediatePropagation();
    var dialog = confirmDialog();
    if (typeof dialog.showModal !== "function") {  // very old browsers: the native question
      if (window.confirm(el.getAttribute("data-confirm"))) { replaying = el; el.click(); }
      return;
    }
    dialog.querySelector("p").textContent = el.getAttribute("data-confirm");
    dialog.querySelector("#confirm-dialog-ok").textContent = el.getAttribute("data-confirm-ok") || "Đồng ý";
    dialog._target = el;
    dialog.showModal();
    dialog.querySelector("#confirm-dialog-ok").focus();
  }, true);
})();
