// artsearch: press "/" to jump to the search box (as on GitHub, MDN or YouTube).
// Served from our own origin under the Content-Security-Policy `script-src 'self'`; every page
// works the same without it.
(function () {
  "use strict";
  var hint = document.querySelector(".shortcut-hint");
  if (hint) {
    hint.hidden = false;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return; // a "/" typed into a field is text
    }
    var box = document.getElementById("q");
    if (!box) {
      return;
    }
    event.preventDefault();
    box.focus();
    box.select();
  });
})();
