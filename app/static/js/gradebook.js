// Sổ điểm: spreadsheet-like keyboard entry and pasting from Excel. No inline scripts (CSP).
// Each cell saves itself through htmx (hx-post on "change"); this file only moves the focus,
// sends multi-cell pastes as one all-or-nothing batch, and saves a cell still being typed
// when the tab is closed (sendBeacon carries the CSRF token as a form field).
(function () {
  "use strict";

  var INPUT = "input.cell-input, input.remark-input";

  function gridOf(el) { return el.closest(".grade-grid"); }

  function inputsOfRow(tr) { return Array.prototype.slice.call(tr.querySelectorAll(INPUT)); }

  function rows(grid) { return Array.prototype.slice.call(grid.querySelectorAll("tbody tr")); }

  function focusCell(input) {
    if (!input) { return; }
    input.focus();
    if (typeof input.select === "function") { input.select(); }
  }

  // The input at (row offset, column offset) from `input`, by position in the table.
  function neighbour(input, dRow, dCol) {
    var tr = input.closest("tr");
    var grid = gridOf(input);
    var list = rows(grid);
    var rowIndex = list.indexOf(tr);
    var colIndex = inputsOfRow(tr).indexOf(input);
    var targetRow = list[rowIndex + dRow];
    if (!targetRow) { return null; }
    var cells = inputsOfRow(targetRow);
    return cells[Math.max(0, Math.min(cells.length - 1, colIndex + dCol))] || null;
  }

  function caretAtStart(input) {
    return input.selectionStart === 0 && input.selectionEnd === 0;
  }

  function caretAtEnd(input) {
    var n = input.value.length;
    return input.selectionStart === n && input.selectionEnd === n;
  }

  function allSelected(input) {
    return input.selectionStart === 0 && input.selectionEnd === input.value.length;
  }

  // Esc: back to the value the server holds (data-original), and the error of a refused
  // value is cleared with it — the cell is no longer "chưa lưu".
  function restoreSaved(input) {
    input.value = input.getAttribute("data-original") || "";
    var td = input.closest("td");
    td.classList.remove("has-error", "invalid", "conflict", "unsaved");
    Array.prototype.forEach.call(td.querySelectorAll(".cell-error, .unsaved-badge"), function (el) { el.remove(); });
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
    input.select();
  }

  document.addEventListener("keydown", function (evt) {
    var input = evt.target;
    if (!(input instanceof HTMLInputElement) || !input.matches(INPUT) || !gridOf(input)) { return; }
    var target = null;
    switch (evt.key) {
      case "Enter":
        target = neighbour(input, evt.shiftKey ? -1 : 1, 0);
        evt.preventDefault();
        if (!target) { input.blur(); focusCell(input); }  // last row: save, stay
        break;
      case "ArrowDown": target = neighbour(input, 1, 0); break;
      case "ArrowUp": target = neighbour(input, -1, 0); break;
      case "ArrowRight":
        if (caretAtEnd(input) || allSelected(input)) { target = neighbour(input, 0, 1); }
        break;
      case "ArrowLeft":
        if (caretAtStart(input) || allSelected(input)) { target = neighbour(input, 0, -1); }
        break;
      case "Escape":
        restoreSaved(input);
        evt.preventDefault();
        return;
      default:
        return;
    }
    if (target && target !== input) {
      evt.preventDefault();
      focusCell(target);  // the blur fires "change" on the cell left: htmx saves it
    }
  });

  // Clicking into a cell selects its content, as a spreadsheet does (typing replaces it).
  var justFocused = null;
  document.addEventListener("focusin", function (evt) {
    var input = evt.target;
    if (input instanceof HTMLInputElement && input.matches(INPUT) && gridOf(input)) {
      input.select();
      justFocused = input;
    }
  });
  document.addEventListener("mouseup", function (evt) {
    if (justFocused && evt.target === justFocused) {
      evt.preventDefault();  // keep the selection the browser would collapse on mouseup
    }
    justFocused = null;
  });

  // ---- paste a column (or a block) from Excel ------------------------------------------
  var pendingFocus = null;

  function parseClipboard(text) {
    var lines = text.replace(/\r\n?/g, "\n").split("\n");
    if (lines.length && lines[lines.length - 1] === "") { lines.pop(); }
    return lines.map(function (line) { return line.split("\t"); });
  }

  function cellInfo(input) {
    var vals = JSON.parse(input.getAttribute("hx-vals") || "{}");
    return { student_id: vals.student_id, column: vals.column, version: vals.version };
  }

  document.addEventListener("paste", function (evt) {
    var input = evt.target;
    if (!(input instanceof HTMLInputElement) || !input.matches("input.cell-input")) { return; }
    var text = (evt.clipboardData || window.clipboardData).getData("text");
    if (text.indexOf("\n") === -1 && text.indexOf("\t") === -1) { return; }  // one value: normal paste
    evt.preventDefault();
    var grid = gridOf(input);
    var matrix = parseClipboard(text);
    var list = rows(grid);
    var startRow = list.indexOf(input.closest("tr"));
    var startCol = inputsOfRow(input.closest("tr")).filter(function (i) {
      return i.matches("input.cell-input");
    }).indexOf(input);
    var cells = [];
    for (var r = 0; r < matrix.length; r++) {
      var tr = list[startRow + r];
      if (!tr) { break; }
      var scoreInputs = inputsOfRow(tr).filter(function (i) { return i.matches("input.cell-input"); });
      for (var c = 0; c < matrix[r].length; c++) {
        var target = scoreInputs[startCol + c];
        if (!target) { break; }
        var info = cellInfo(target);
        info.value = matrix[r][c].trim();
        cells.push(info);
      }
    }
    if (!cells.length) { return; }
    pendingFocus = input.id;
    window.htmx.ajax("POST", grid.getAttribute("data-batch-url"), {
      source: grid, target: "#" + grid.id, swap: "outerHTML",
      values: { cells: JSON.stringify(cells) }
    });
  });

  // After a batch re-renders the grid, put the focus back where the paste started.
  document.addEventListener("htmx:afterSettle", function () {
    if (!pendingFocus) { return; }
    var el = document.getElementById(pendingFocus);
    pendingFocus = null;
    if (el) { el.focus(); }
  });

  // ---- no lost work on a closed tab -------------------------------------------------------
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  window.addEventListener("pagehide", function () {
    var input = document.activeElement;
    if (!(input instanceof HTMLInputElement) || !input.matches(INPUT) || !gridOf(input)) { return; }
    if (input.value === (input.getAttribute("data-original") || "")) { return; }
    var vals = JSON.parse(input.getAttribute("hx-vals") || "{}");
    var data = new FormData();
    Object.keys(vals).forEach(function (k) { data.append(k, vals[k]); });
    data.append(input.name, input.value);
    data.append("csrf_token", csrfToken());
    if (navigator.sendBeacon) { navigator.sendBeacon(input.getAttribute("hx-post"), data); }
  });

  // Warn before leaving while a save is still on its way.
  var inFlight = 0;
  document.addEventListener("htmx:beforeRequest", function () { inFlight++; });
  document.addEventListener("htmx:afterRequest", function () { inFlight = Math.max(0, inFlight - 1); });
  window.addEventListener("beforeunload", function (evt) {
    if (inFlight > 0) { evt.preventDefault(); evt.returnValue = ""; }
  });
})();
