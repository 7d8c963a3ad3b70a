/* 群管 — the little JavaScript the UI needs: confirm dangerous forms, copy the redacted text,
   tick all rows of a list, and the review queue's keyboard shortcuts. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) { return; }
    source.select();
    var done = function () { button.textContent = "已复制"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done);
    } else if (document.execCommand("copy")) {
      done();
    }
  });
  // "Select all" box: data-check-all="NAME" ticks every checkbox named NAME in the same form.
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box.getAttribute && box.getAttribute("data-check-all");
    if (!name || !box.form) { return; }
    var boxes = box.form.querySelectorAll('input[type=checkbox][name="' + name + '"]');
    for (var i = 0; i < boxes.length; i++) { boxes[i].checked = box.checked; }
  });
  // Keyboard shortcuts: an element with data-key="x" is followed (a link) or submitted (a form)
  // when x is pressed. Typing in a field, or with a modifier held, never triggers one.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return; }
    var active = document.activeElement;
    var tag = active ? active.tagName : "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (active && active.isContentEditable)) {
      return;
    }
    if (!/^[a-z]$/.test(event.key)) { return; }
    var target = document.querySelector('[data-key="' + event.key + '"]');
    if (!target) { return; }
    event.preventDefault();
    if (target.tagName === "A") {
      window.location.assign(target.href);
      return;
    }
    if (target.tagName === "FORM") {
      // A decision that needs a note (上报) waits for it: focus the field instead of submitting.
      var needed = target.querySelector("[data-required-note]");
      if (needed && !needed.value.trim()) {
        needed.focus();
        return;
      }
      if (target.requestSubmit) { target.requestSubmit(); } else { target.submit(); }
    }
  });
})();
