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

  // Confirmation for dangerous buttons without inline JS: <button data-confirm="...">
  document.addEventListener("click", function (evt) {
    var el = evt.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);
})();
